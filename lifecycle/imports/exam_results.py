"""`lifecycle import exam-results FILE.csv`: one record_exam_pass per row (合格者一覧).

Recording the same pass again (same holder and pass number) succeeds with no events (SPEC §8),
so a re-imported row is `already_recorded`; a pass number that belongs to another holder is
rejected (DUPLICATE_PASS_NUMBER): that is a wrong row, not a repeat.
"""

from __future__ import annotations

from lifecycle.imports import cells
from lifecycle.imports.csv_kind import CsvKind

COLUMNS = ("holder", "qualification", "pass_number", "issued_on", "name", "name_kana", "email")
REQUIRED = ("holder", "qualification", "pass_number", "issued_on")
ALIASES = {"会員番号": "holder", "資格": "qualification", "合格番号": "pass_number",
           "発行日": "issued_on", "氏名": "name", "フリガナ": "name_kana",
           "メールアドレス": "email"}


def command(values: dict[str, str]) -> dict:
    return {
        "type": "record_exam_pass",
        "holder": cells.code(values.get("holder")),
        "qualification": cells.qualification(values.get("qualification")),
        "pass_number": cells.code(values.get("pass_number")),
        "issued_on": cells.day(values.get("issued_on")),
        "name": cells.text(values.get("name")),
        "name_kana": cells.kana(values.get("name_kana")),
        "email": cells.code(values.get("email")),
    }


class ExamResults(CsvKind):
    name = "exam-results"

    columns, required, aliases = COLUMNS, REQUIRED, ALIASES
    command = staticmethod(command)
