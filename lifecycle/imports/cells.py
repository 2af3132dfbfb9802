"""Cleaning a cell as a person typed it in Excel into what the command parser expects.

Only what is unambiguous is cleaned: full-width digits and letters (typed with the IME on),
dates Excel re-displays as 2026/9/3, amounts with thousands separators or a yen sign.
Anything else is passed through, so that lifecycle.commands rejects it with its own message.
"""

from __future__ import annotations

import re
import unicodedata

SLASH_DATE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")


def text(value: str | None) -> str | None:
    """A free-text cell; empty means absent (the command's default applies)."""
    value = (value or "").strip()
    return value or None


def code(value: str | None) -> str | None:
    """Holder and pass numbers, qualification codes, entry ids: NFKC, no stray spaces."""
    value = text(value)
    return None if value is None else unicodedata.normalize("NFKC", value).strip()


def qualification(value: str | None) -> str | None:
    value = code(value)
    return None if value is None else value.upper()


def kana(value: str | None) -> str | None:
    """A name in katakana: half-width (ｺﾝｹﾝ) becomes full-width (コンケン), as registered."""
    return code(value)


def day(value: str | None) -> str | None:
    value = code(value)
    if value is None:
        return None
    match = SLASH_DATE.match(value)
    if match:
        year, month, dom = match.groups()
        return f"{year}-{int(month):02d}-{int(dom):02d}"
    return value


def amount(value: str | None) -> int | str | None:
    """Whole yen as an int when it is one; otherwise the cell, for the parser to reject."""
    value = code(value)
    if value is None:
        return None
    digits = value.replace(",", "").replace("¥", "").replace("\\", "").removesuffix("円")
    return int(digits) if digits.isdigit() else value
