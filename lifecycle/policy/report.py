"""A what-if report as its readers receive it, shared by `lifecycle what-if` and the office
console's what-if page: the columns of a differing row (the CLI's --json and --csv, the
console's CSV download), the counts as a sorted list, and a CPD figure as one cell."""

from __future__ import annotations

from collections.abc import Iterator

from aggregates.what_if import Outcome
from lifecycle.policy.replay import Report

ROW_FIELDS = ("holder", "qualification", "now", "then", "counted_now", "counted_then",
              "required_now", "required_then", "why")


def counts(report: Report) -> list[dict]:
    """Every (qualification, status now, status under the proposal) with its holders."""
    return [{"qualification": q, "now": now, "then": then, "holders": n}
            for (q, now, then), n in sorted(report.counts.items())]


def row_dict(row: Outcome) -> dict:
    return {f: getattr(row, f) for f in ROW_FIELDS}


def csv_rows(report: Report) -> Iterator[list]:
    """The header, then each differing row, streamed from the report's files."""
    yield list(ROW_FIELDS)
    for row in report.rows():
        yield [getattr(row, f) for f in ROW_FIELDS]


def cpd(counted: str | None, required: str | None) -> str:
    """"30/35": points counted of those required; "-" where there are no CPD figures."""
    return "-" if counted is None else f"{counted}/{required}"
