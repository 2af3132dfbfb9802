"""Policy files (TOML) to `aggregates.policy.Policy`, every value checked.

A file is the whole rule book: every section present, each a series of dated values. A file
that fails any check is refused as a whole with a `PolicyFileError` naming the line and the
key at fault; nothing is applied.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from datetime import date, datetime
from decimal import Decimal
from importlib import resources

from aggregates.cpd import CATEGORIES, MAX_HOURS_PER_ENTRY, CategoryCap, format_points
from aggregates.policy import APPLIES_BY, CPDRules, Dated, Policy

_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_TOP_KEYS = {"version", "description", *APPLIES_BY}


class PolicyFileError(ValueError):
    def __init__(self, message: str, key: str = "", line: int | None = None):
        self.message, self.key, self.line = message, key, line
        where = ", ".join(p for p in (f"line {line}" if line else "", key) if p)
        super().__init__(f"{where}: {message}" if where else message)


def default_text() -> str:
    return resources.files(__package__).joinpath("default.toml").read_text(encoding="utf-8")


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse(text: str) -> Policy:
    """The policy a file's text describes, or PolicyFileError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_LINE.search(str(error))
        message = _TOML_LINE.sub("", str(error)).strip()
        raise PolicyFileError(f"not valid TOML: {message}",
                              line=int(found.group(1)) if found else None) from None
    try:
        return _Reader(data).policy()
    except _Fault as fault:
        raise PolicyFileError(fault.message, _dotted(fault.path),
                              _locate(text, fault.path)) from None


class _Fault(Exception):
    def __init__(self, path: tuple, message: str):
        self.path, self.message = path, message


class _Reader:
    def __init__(self, data: dict):
        self.data = data

    def policy(self) -> Policy:
        self._known(self.data, (), _TOP_KEYS)
        version = self.data.get("version")
        if not isinstance(version, str) or not _VERSION.fullmatch(version):
            raise _Fault(("version",), "needs a name of 1-40 letters, digits, '.', '_' or '-' "
                                       "(such as \"2028-04\")")
        description = self.data.get("description", "")
        if not isinstance(description, str):
            raise _Fault(("description",), "must be text")
        return Policy(
            version=version, description=description,
            cpd=self._series("cpd", self._cpd),
            review_fee=self._series("review_fee", lambda r, p: self._integer(
                r, p, "before_tax", 1, 10_000_000)),
            tax=self._series("tax", lambda r, p: self._decimal(r, p, "rate", Decimal(0),
                                                               Decimal("0.99"))),
            audit_rate=self._series("audit", lambda r, p: self._decimal(r, p, "rate", Decimal(0),
                                                                        Decimal(1))),
            reminder_days=self._series("reminders", lambda r, p: self._integer(
                r, p, "days_before_window_closes", 0, 366)),
        )

    def _series(self, name: str, read_value) -> Dated:
        section = self.data.get(name)
        if not isinstance(section, dict):
            raise _Fault((name,), f"section [{name}] is missing")
        self._known(section, (name,), {"applies_by", "rules"})
        if section.get("applies_by") != APPLIES_BY[name]:
            raise _Fault((name, "applies_by"),
                         f"must be \"{APPLIES_BY[name]}\" (the date compared with `from`)")
        rules = section.get("rules")
        if not isinstance(rules, list) or not rules or not all(isinstance(r, dict) for r in rules):
            raise _Fault((name, "rules"), f"needs at least one [[{name}.rules]] entry")
        pairs, seen = [], {}
        for index, rule in enumerate(rules):
            path = (name, "rules", index)
            start = rule.get("from")
            if isinstance(start, datetime) or not isinstance(start, date):
                raise _Fault((*path, "from"), "needs a date such as 2028-04-01 (no quotes)")
            if start in seen:
                raise _Fault((*path, "from"), f"{start} is already the start of entry "
                                              f"{seen[start] + 1} of {name}.rules")
            seen[start] = index
            pairs.append((start, read_value(rule, path)))
        return Dated.of(pairs)

    def _cpd(self, rule: dict, path: tuple) -> CPDRules:
        self._known(rule, path, {"from", "required", "max_hours_per_entry", "caps"})
        caps = rule.get("caps")
        if not isinstance(caps, dict):
            raise _Fault((*path, "caps"), "needs caps.A to caps.D")
        self._known(caps, (*path, "caps"), set(CATEGORIES))
        read = {}
        for category in CATEGORIES:
            cap_path = (*path, "caps", category)
            cap = caps.get(category)
            if not isinstance(cap, dict):
                raise _Fault(cap_path, f"caps.{category} is missing")
            self._known(cap, cap_path, {"per_cycle", "per_fiscal_year"})
            annual = (None if "per_fiscal_year" not in cap else
                      self._decimal(cap, cap_path, "per_fiscal_year", Decimal("0.01"), None))
            read[category] = CategoryCap(
                per_cycle=self._decimal(cap, cap_path, "per_cycle", Decimal("0.01"), None),
                per_fiscal_year=annual)
        return CPDRules(
            required=self._decimal(rule, path, "required", Decimal("0.01"), None),
            caps=read,
            max_hours_per_entry=self._decimal(rule, path, "max_hours_per_entry",
                                              Decimal("0.01"), MAX_HOURS_PER_ENTRY))

    def _decimal(self, table: dict, path: tuple, key: str, low: Decimal,
                 high: Decimal | None) -> Decimal:
        value = table.get(key)
        if isinstance(value, float):
            raise _Fault((*path, key), f"write decimals as text, e.g. \"{value}\", so that "
                                       "they are exact")
        plain = isinstance(value, str) and _PLAIN_DECIMAL.fullmatch(value)
        if isinstance(value, bool) or not (isinstance(value, int) or plain):
            raise _Fault((*path, key), f"needs a number such as 30 or \"0.10\", got {value!r}")
        number = Decimal(value)
        if number < low or (high is not None and number > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise _Fault((*path, key), f"must be {bound}, got {value}")
        return Decimal(format_points(number))

    def _integer(self, table: dict, path: tuple, key: str, low: int, high: int) -> int:
        value = table.get(key)
        self._known(table, path, {"from", key})
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Fault((*path, key), f"needs a whole number from {low} to {high}, "
                                       f"got {value!r}")
        return value

    @staticmethod
    def _known(table: dict, path: tuple, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                raise _Fault((*path, key), f"unknown key; expected one of "
                                           f"{', '.join(sorted(allowed))}")


def _dotted(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _locate(text: str, path: tuple) -> int | None:
    """The line of `path` in the file: its table's header (counting [[array]] entries),
    then the first key line within that table that names it (dotted keys included)."""
    header, index, rest = [], None, []
    for position, part in enumerate(path):
        if isinstance(part, int):
            index, rest = part, [str(p) for p in path[position + 1:]]
            break
        header.append(part)
    else:
        header, rest = list(path[:1]), [str(p) for p in path[1:]]
    table = ".".join(header)
    lines = text.splitlines()
    start, seen = (0 if table == "" else None), -1
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped in (f"[[{table}]]", f"[{table}]"):
            seen += 1
            if index is None or seen == index:
                start = number
                break
    if start is None:
        return None if not header else _key_line(lines, 0, len(lines), header[-1:] + rest)
    end = next((n for n in range(start + 1, len(lines)) if lines[n].lstrip().startswith("[")),
               len(lines))
    return _key_line(lines, start + 1, end, rest) or start + 1


def _key_line(lines: list[str], start: int, end: int, rest: list[str]) -> int | None:
    if not rest:
        return None
    wanted = ".".join(rest)
    for number in range(start, end):
        key = lines[number].split("=", 1)[0].strip().replace(" ", "") if "=" in lines[number] \
            else None
        if key and (wanted == key or wanted.startswith(key + ".")):
            return number + 1
    return None

