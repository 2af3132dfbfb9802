"""`lifecycle import bank-statement FILE.csv`: one record_transfer per row (入金明細).

The engine matches each transfer to the one pending application or renewal whose payer name
it carries (SPEC §6) and records FeePaid; a transfer matching none or several is filed in the
unmatched queue for a clerk (`lifecycle payments unmatched`). Both are successes of the import:
the row is on record either way. A bank reference recorded before (a statement exported
twice, overlapping statements) is `already_recorded`.

The payer name is passed as the bank printed it (half-width kana, spaces): the engine
normalises it when matching, and the unmatched queue shows the clerk the original.
"""

from __future__ import annotations

from lifecycle.imports import cells
from lifecycle.imports.csv_kind import CsvKind
from lifecycle.imports.running import (
    ALREADY_RECORDED,
    RECORDED,
    UNMATCHED,
    Outcome,
    Row,
    judge_plain,
)

COLUMNS = ("bank_reference", "paid_on", "amount", "payer_name")
REQUIRED = COLUMNS
ALIASES = {"照会番号": "bank_reference", "取引日": "paid_on", "入金日": "paid_on",
           "金額": "amount", "入金額": "amount", "振込依頼人名": "payer_name",
           "依頼人名": "payer_name"}


def command(values: dict[str, str]) -> dict:
    return {
        "type": "record_transfer",
        "bank_reference": cells.code(values.get("bank_reference")),
        "paid_on": cells.day(values.get("paid_on")),
        "amount": cells.amount(values.get("amount")),
        "payer_name": cells.text(values.get("payer_name")),
    }


class BankStatement(CsvKind):
    name = "bank-statement"

    columns, required, aliases = COLUMNS, REQUIRED, ALIASES
    command = staticmethod(command)

    def judge(self, app, row: Row, result: dict) -> Outcome:
        if not result["ok"]:
            return judge_plain(row, result)
        if result.get("already_recorded"):
            return Outcome(row, ALREADY_RECORDED)
        if result.get("matched"):
            return Outcome(row, RECORDED, detail={"matched": result["matched"]})
        if "unmatched" in result:
            reason = (result["unmatched"] or {}).get("reason")
            return Outcome(row, UNMATCHED, "UNMATCHED", reason)
        return judge_plain(row, result)
