"""The end of an import: counts per outcome and the rows a clerk must look at.

Printed as a table (or one JSON object with --json) on stdout; `--report FILE` also writes
the rejected and unmatched rows as CSV (UTF-8 with BOM, so Excel opens it as it is).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lifecycle import csv_out
from lifecycle.imports.running import (
    ALREADY_RECORDED,
    RECORDED,
    REJECTED,
    UNMATCHED,
    VALID,
    Outcome,
)

DRY_RUN_NOTE = ("dry run: nothing was recorded. Only the shape of each row was checked; "
                "business rules (unknown holder, duplicates, payer-name matching, deadlines) "
                "are known only when the rows are recorded.")


def listed(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.kind in (REJECTED, UNMATCHED)]


def to_dict(kind: str, source: str, encoding: str, outcomes: list[Outcome],
            dry_run: bool) -> dict:
    counts = Counter(o.kind for o in outcomes)
    result = {"import": kind, "source": source, "encoding": encoding, "dry_run": dry_run,
              "rows": len(outcomes),
              **{k: counts[k] for k in (RECORDED, ALREADY_RECORDED, UNMATCHED, REJECTED)},
              "rejected_rows": [o.to_dict() for o in outcomes if o.kind == REJECTED],
              "unmatched_rows": [o.to_dict() for o in outcomes if o.kind == UNMATCHED]}
    if dry_run:
        result[VALID] = counts[VALID]
        result["note"] = DRY_RUN_NOTE
    return result


def print_report(report: dict) -> None:
    console = Console(soft_wrap=False) if Console().is_terminal else Console(width=160)
    for key, title in (("rejected_rows", "Rejected rows"), ("unmatched_rows", "Unmatched")):
        if report[key]:
            table = Table(title=title, title_justify="left")
            for column in ("file", "line", "code", "message"):
                table.add_column(column, overflow="fold")
            for row in report[key]:
                table.add_row(row["file"], str(row["line"]), row["code"], row["message"] or "")
            console.print(table)
    counts = ", ".join(f"{report[k]} {k.replace('_', ' ')}" for k in
                       ((VALID, REJECTED) if report["dry_run"] else
                        (RECORDED, ALREADY_RECORDED, UNMATCHED, REJECTED)))
    console.print(f"{report['import']} {report['source']} ({report['encoding']}): "
                  f"{report['rows']} rows: {counts}")
    if report["dry_run"]:
        console.print(DRY_RUN_NOTE)


def write_rows_csv(report: dict, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv_out.Writer(out)
        writer.writerow(["file", "line", "outcome", "code", "message"])
        for row in (*report["rejected_rows"], *report["unmatched_rows"]):
            writer.writerow([row["file"], row["line"], row["outcome"], row["code"],
                             row["message"]])
