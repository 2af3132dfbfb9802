"""What may be stored: the one definition, checked at the command boundary.

Every command (from `apply`, an import, the API or the console) passes `check_command`
before its own fields are read, so nothing the engine accepts can later fail to be written
by a read model (a number past SQLite's 64-bit INTEGER, a NUL that PostgreSQL text cannot
hold) or to be read back (a holder number with a `/`). A value outside it is INVALID_INPUT
naming the field, and nothing is written.

- Text: no control characters (Unicode Cc, which includes NUL, tab and line breaks), no
  format characters (Cf: zero-width and bidirectional marks, BOM), no lone surrogates (Cs),
  no private-use (Co) or unassigned (Cn) code points, no line or paragraph separators;
  spaces (Zs, the ideographic space U+3000 included) are allowed. At most `MAX_TEXT`
  characters, fewer for the fields in `MAX_LENGTH`.
- Numbers: integers within ±`MAX_INTEGER`; amounts of yen 1 to `MAX_AMOUNT`.
- Structure: lists of at most `MAX_ITEMS` (fewer for `MAX_ITEMS_OF`), nesting at most
  `MAX_DEPTH` deep.
- Holder numbers: `HOLDER_NUMBER`, 1-32 ASCII letters, digits, `.`, `_`, `-`, starting with
  a letter or digit.
"""

from __future__ import annotations

import re
import unicodedata

from aggregates.errors import invalid

MAX_TEXT = 2000
MAX_LENGTH = {
    "holder": 32, "name": 100, "name_kana": 100, "email": 254, "pass_number": 32,
    "bank_reference": 64, "entry_id": 64, "title": 200, "provider": 200, "payer_name": 100,
    "allocated_by": 100, "actor": 200, "reason": 1000, "organization": 200, "kind": 50,
}
MAX_INTEGER = 10**12
MAX_AMOUNT = 1_000_000_000  # yen in one payment or transfer
MAX_ITEMS = 1000
MAX_ITEMS_OF = {"experience": 100, "substitutions": 50, "reasons": 50, "fields": 7}
MAX_DEPTH = 4
HOLDER_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
FORBIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def check_command(obj: dict) -> None:
    """Every value of a command object, wherever it sits, within what may be stored."""
    for key, value in obj.items():
        _check(value, str(key), key, 1)


def _check(value: object, path: str, key: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise invalid(f"field {path!r} is nested too deeply")
    if isinstance(value, str):
        check_text(value, path, MAX_LENGTH.get(key, MAX_TEXT))
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if not -MAX_INTEGER <= value <= MAX_INTEGER:
            raise invalid(f"field {path!r} is out of range (at most {MAX_INTEGER:,})")
    elif isinstance(value, list):
        limit = MAX_ITEMS_OF.get(key, MAX_ITEMS)
        if len(value) > limit:
            raise invalid(f"field {path!r} has {len(value)} items; at most {limit}")
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]", key, depth + 1)
    elif isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            raise invalid(f"field {path!r} has too many keys")
        for name, item in value.items():
            check_text(str(name), f"{path} key", 200)
            _check(item, f"{path}.{name}", str(name), depth + 1)


def check_text(value: str, path: str, limit: int = MAX_TEXT) -> None:
    if len(value) > limit:
        raise invalid(f"field {path!r} is {len(value)} characters long; at most {limit}")
    for position, char in enumerate(value):
        if unicodedata.category(char) in FORBIDDEN:
            raise invalid(f"field {path!r} holds a character that cannot be stored "
                          f"(U+{ord(char):04X} at position {position + 1})")


def check_holder_number(value: str) -> str:
    if not HOLDER_NUMBER.fullmatch(value):
        raise invalid("field 'holder' must be the office's holder number: 1-32 letters, "
                      "digits, '.', '_' or '-', starting with a letter or digit")
    return value
