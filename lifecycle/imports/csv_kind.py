"""What every CSV import kind shares: read the file by its columns and aliases, one command
per row; nothing is known before running; a result is judged as it comes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lifecycle.imports.reading import read_csv
from lifecycle.imports.running import Outcome, Row, csv_rows, judge_plain


class CsvKind:
    name: str
    columns: tuple[str, ...]
    required: tuple[str, ...]
    aliases: dict[str, str]
    command: Callable[[dict[str, str]], dict]  # a row's cells -> the command it becomes

    def read(self, path: Path, encoding: str | None) -> tuple[list[Row], str]:
        table = read_csv(path, columns=self.columns, required=self.required,
                         aliases=self.aliases, encoding=encoding)
        return csv_rows(table, type(self).command), table.encoding

    def seen_before(self, app, row: Row) -> bool:
        return False

    def judge(self, app, row: Row, result: dict) -> Outcome:
        return judge_plain(row, result)
