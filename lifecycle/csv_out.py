"""The one way the project writes CSV: every cell a spreadsheet could run as a formula is
neutralised first (CSV injection, OWASP "CSV Injection").

A clerk opens exports, query and history CSVs and import reports in Excel or LibreOffice,
which evaluate a cell starting with `=`, `+`, `-` or `@` (and, after a leading tab or
carriage return, the character behind it) as a formula: a holder registered as
`=HYPERLINK("http://x","y")` would otherwise run on the clerk's machine. As OWASP describes,
such a cell is written with a single quote in front, which the spreadsheet shows as text and
a reader of the file can strip; the quote is added to text cells only. Numbers the engine
computes (ints, Decimals) cannot hold a formula and stay numbers; text that merely looks
like a number (`-5`) is still quoted, since the rule goes by the first character alone.
The csv module's quoting keeps a delimiter or quote inside a value from starting a new cell.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet must see it: text starting like a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class Writer:
    """`csv.writer` whose every cell is neutralised."""

    def __init__(self, out: TextIO, **options: Any):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralise(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter:
    """`csv.DictWriter` whose every cell (the header too) is neutralised."""

    def __init__(self, out: TextIO, fieldnames: Iterable[str], **options: Any):
        self.fieldnames = list(fieldnames)
        self._writer = csv.DictWriter(out, fieldnames=self.fieldnames, **options)

    def writeheader(self) -> None:
        self._writer.writerow({k: neutralise(k) for k in self.fieldnames})

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({k: neutralise(v) for k, v in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)
