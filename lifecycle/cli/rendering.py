"""What a person reads: `status` and `history` without --json.

Status is one block per qualification (label: value), so it reads the same in a terminal, a
pipe or a log file; history is a table that wraps instead of cutting values off.
"""

from __future__ import annotations

import json
from datetime import date

from rich.console import Console
from rich.table import Table

from lifecycle import csv_out

HIDDEN_IN_HISTORY = ("evaluation", "experience", "substitutions", "name", "name_kana", "email")


def console() -> Console:
    """A console that wraps to 160 columns when not on a terminal, so piped tables stay
    legible."""
    return _console()


def _console() -> Console:
    console = Console(soft_wrap=False)
    if not console.is_terminal:
        console = Console(width=160, soft_wrap=False)
    return console


def _or_dash(value) -> str:
    return "—" if value is None else str(value)


def print_status(status: dict, on: date) -> None:
    console = _console()
    console.print(f"{status['holder']}  {status['name']} ({status['name_kana']})  on {on}")
    if not status["qualifications"]:
        console.print("  no qualifications on this date")
    for code, q in status["qualifications"].items():
        window, cpd = q["renewal_window"], q["cpd"]
        rows = [
            ("status", q["status"]),
            ("certification number", _or_dash(q["certification_number"])),
            ("valid", f"{_or_dash(q['valid_from'])} – {_or_dash(q['valid_until'])}"),
            ("renewal window",
             f"{window['opens_on']} – {window['closes_on']}" if window else "—"),
            ("pass report valid until", _or_dash(q["pass_report_valid_until"])),
            ("CPD counted / logged",
             f"{cpd['counted']} / {cpd['logged']} (required {cpd['required']}); "
             + ", ".join(f"{c} {v}" for c, v in cpd["by_category"].items()) if cpd else "—"),
        ]
        table = Table(title=code, show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        for label, value in rows:
            table.add_row(label, value)
        console.print(table)


def print_history(history: dict) -> None:
    table = Table(title=f"History of {history['holder']}", title_justify="left")
    for column in ("#", "business date", "event", "actor", "recorded at", "details"):
        table.add_column(column, overflow="fold")
    for e in history["events"]:
        details = ", ".join(
            f"{k}={v}" for k, v in e["data"].items()
            if k not in HIDDEN_IN_HISTORY and v not in (None, [], {})
        )
        table.add_row(str(e["version"]), e["business_date"], e["type"], e["actor"],
                      e["recorded_at"][:19], details)
    _console().print(table)


def write_history_csv(history: dict, out) -> None:
    writer = csv_out.Writer(out)
    writer.writerow(["holder", "version", "type", "business_date", "recorded_at", "actor", "data"])
    for e in history["events"]:
        writer.writerow([history["holder"], e["version"], e["type"], e["business_date"],
                         e["recorded_at"], e["actor"], json.dumps(e["data"], ensure_ascii=False)])


def print_summary(summary: dict, on: date, outcomes) -> None:
    console = _console()
    console.print(f"Commands: {sum(outcomes.values())} "
                  f"({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))})")
    statuses = sorted({s for _, s in summary["counts"]})
    qualifications = sorted({q for q, _ in summary["counts"]})
    table = Table(title=f"Holders per qualification and status on {on}", title_justify="left")
    table.add_column("status")
    for q in qualifications:
        table.add_column(q, justify="right")
    for status in statuses:
        table.add_row(status, *(str(summary["counts"].get((q, status), 0) or "")
                                for q in qualifications))
    console.print(table)


def print_rows(title: str, items: list[dict], columns: list[str]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for item in items:
        table.add_row(*(_or_dash(item.get(c)) for c in columns))
    _console().print(table)
