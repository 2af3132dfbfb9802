"""`lifecycle import cpd FILE.csv`: one log_cpd per row (継続教育・学習の記録).

An entry id is unique per holder, so a re-imported row fails with DUPLICATE_ENTRY. That is
"already imported" (a success) when the entry on record is this row — same category, field,
activity date, hours, title and provider; an entry id reused for a different activity is a
real error and stays rejected.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from aggregates.errors import DomainError
from lifecycle.commands import parse_command
from lifecycle.imports import cells
from lifecycle.imports.csv_kind import CsvKind
from lifecycle.imports.running import (
    ALREADY_RECORDED,
    Outcome,
    Row,
    judge_plain,
    rejected,
)

COLUMNS = ("holder", "entry_id", "category", "field", "activity_on", "hours", "title",
           "provider", "on")
REQUIRED = ("holder", "entry_id", "category", "activity_on", "hours", "title", "provider")
ALIASES = {"会員番号": "holder", "記録番号": "entry_id", "区分": "category", "分野": "field",
           "実施日": "activity_on", "時間": "hours", "名称": "title", "主催者": "provider",
           "記録日": "on"}
COMPARED = ("category", "field", "activity_on", "hours", "title", "provider")


def command(values: dict[str, str]) -> dict:
    return {
        "type": "log_cpd",
        "holder": cells.code(values.get("holder")),
        "entry_id": cells.code(values.get("entry_id")),
        "category": cells.qualification(values.get("category")),
        "field": cells.code(values.get("field")),
        "activity_on": cells.day(values.get("activity_on")),
        "hours": cells.code(values.get("hours")),
        "title": cells.text(values.get("title")),
        "provider": cells.text(values.get("provider")),
        "on": cells.day(values.get("on")),
    }


class CPDImport(CsvKind):
    name = "cpd"

    def __init__(self) -> None:
        self._logged: dict[str, dict[str, dict]] = {}  # holder -> entry id -> CPDLogged data
        self._imported: dict[tuple[str, str], dict] = {}  # recorded by this run

    columns, required, aliases = COLUMNS, REQUIRED, ALIASES
    command = staticmethod(command)

    def judge(self, app, row: Row, result: dict) -> Outcome:
        holder, entry_id = row.command["holder"], row.command["entry_id"]
        if result["ok"]:
            self._imported[(holder, entry_id)] = row.command
        if result["ok"] or result["error"]["code"] != "DUPLICATE_ENTRY":
            return judge_plain(row, result)
        earlier = self._imported.get((holder, entry_id))
        if earlier is not None and _content(earlier) == _content(row.command):
            return Outcome(row, ALREADY_RECORDED)  # the same line twice in one file
        if self._same_entry(app, row):
            return Outcome(row, ALREADY_RECORDED)
        return rejected(row, "DUPLICATE_ENTRY", f"entry {entry_id} of {holder} is on record "
                        "with other details; give this activity an entry id of its own")

    def _same_entry(self, app, row: Row) -> bool:
        holder = row.command["holder"]
        if holder not in self._logged:
            events = app.history(holder)["events"]
            self._logged[holder] = {e["data"]["entry_id"]: e["data"] for e in events
                                    if e["type"] == "CPDLogged"}
        on_record = self._logged[holder].get(row.command["entry_id"])
        if on_record is None:
            return False
        try:
            # Any date does: only the entry's own fields are compared, not when it was logged.
            args = parse_command(row.command, date.min).args()
        except DomainError:
            return False
        return all(_same(key, on_record.get(key), args[key]) for key in COMPARED)


def _content(command: dict) -> tuple:
    return tuple(command.get(key) for key in COMPARED)


def _same(key: str, recorded, imported) -> bool:
    if key == "hours":
        return Decimal(str(recorded)) == imported
    if key == "activity_on":
        return recorded == imported.isoformat()
    return recorded == imported
