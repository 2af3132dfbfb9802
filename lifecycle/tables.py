"""Tables a person can read, for `status` and `history` without --json."""

from __future__ import annotations

import json
from datetime import date

from rich.console import Console
from rich.table import Table


def _console() -> Console:
    return Console(soft_wrap=False)


def _or_dash(value) -> str:
    return "—" if value is None else str(value)


def print_status(status: dict, on: date) -> None:
    table = Table(title=f"{status['holder']}  {status['name']} ({status['name_kana']})  on {on}")
    for column in ("qualification", "status", "number", "valid from", "valid until",
                   "renewal window", "pass report until", "CPD counted / logged", "A/B/C/D"):
        table.add_column(column)
    for code, q in status["qualifications"].items():
        window = q["renewal_window"]
        cpd = q["cpd"]
        table.add_row(
            code, q["status"], _or_dash(q["certification_number"]), _or_dash(q["valid_from"]),
            _or_dash(q["valid_until"]),
            f"{window['opens_on']} – {window['closes_on']}" if window else "—",
            _or_dash(q["pass_report_valid_until"]),
            f"{cpd['counted']} / {cpd['logged']} (of {cpd['required']})" if cpd else "—",
            "/".join(cpd["by_category"][c] for c in "ABCD") if cpd else "—",
        )
    _console().print(table)


def print_history(history: dict) -> None:
    table = Table(title=f"History of {history['holder']}")
    for column in ("#", "business date", "event", "actor", "recorded at", "details"):
        table.add_column(column)
    for e in history["events"]:
        details = {k: v for k, v in e["data"].items()
                   if k not in ("evaluation", "experience", "name", "name_kana", "email")}
        table.add_row(str(e["version"]), e["business_date"], e["type"], e["actor"],
                      e["recorded_at"][:19], json.dumps(details, ensure_ascii=False))
    _console().print(table)
