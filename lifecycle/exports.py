"""`lifecycle export credentials`: holder × qualification lists for mailing and reporting.

Read from the read models (projections.queries.credentials, statuses computed in SQL on the
as-of date), page by page so that a million holders stream in constant memory, with e-mail
addresses joined from the holders table. Like every read-model query it answers with what
the office knows now; a past --as-of moves the calendar, not the knowledge.

CSV defaults to UTF-8 with a BOM (Excel then shows Japanese correctly); `cp932` is for
offices whose tools read only Shift_JIS. A character CP932 lacks (e.g. 𠮷) is written as
`?` and the holders concerned are named on stderr rather than failing the whole export.
Cells that a spreadsheet would run as formulas are neutralised (lifecycle.csv_out).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import TextIO

from sqlalchemy import Engine, select

from lifecycle import csv_out
from projections import queries
from projections.tables import holders

COLUMNS = ("holder", "name", "name_kana", "email", "qualification", "status",
           "certification_number", "valid_from", "valid_until", "renewal_window_opens_on",
           "renewal_window_closes_on", "cpd_counted")
PAGE = 1000


def credential_rows(engine: Engine, *, as_of: date, status: str | None = None,
                    qualification: str | None = None) -> Iterator[dict]:
    after = None
    while True:
        page = queries.credentials(engine, as_of=as_of, status=status,
                                   qualification=qualification, after=after, limit=PAGE)
        emails = _emails(engine, {item["holder"] for item in page.items})
        for item in page.items:
            yield _row(item, emails.get(item["holder"]))
        after = page.next_after
        if after is None:
            return


def _emails(engine: Engine, numbers: set[str]) -> dict[str, str | None]:
    if not numbers:
        return {}
    with engine.connect() as conn:
        found = conn.execute(select(holders.c.holder_number, holders.c.email)
                             .where(holders.c.holder_number.in_(numbers)))
        return dict(found.all())


def _row(item: dict, email: str | None) -> dict:
    window = item["renewal_window"] or {}
    return {
        "holder": item["holder"], "name": item["name"], "name_kana": item["name_kana"],
        "email": email, "qualification": item["qualification"], "status": item["status"],
        "certification_number": item["certification_number"],
        "valid_from": item["valid_from"], "valid_until": item["valid_until"],
        "renewal_window_opens_on": window.get("opens_on"),
        "renewal_window_closes_on": window.get("closes_on"),
        "cpd_counted": (item["cpd"] or {}).get("counted"),
    }


def write_csv(rows: Iterator[dict], out: TextIO, encoding: str) -> tuple[int, list[str]]:
    """The rows as CSV; returns how many, and the holders whose text had to be replaced."""
    writer = csv_out.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count, replaced = 0, []
    for row in rows:
        cleaned = {k: _encodable(v, encoding) for k, v in row.items()}
        if cleaned != row:
            replaced.append(row["holder"])
        writer.writerow(cleaned)
        count += 1
    return count, replaced


def _encodable(value, encoding: str):
    if not isinstance(value, str):
        return value
    return value.encode(encoding, errors="replace").decode(encoding)


def write_json(rows: Iterator[dict], out: TextIO, *, as_of: date, filters: dict) -> int:
    """One JSON object, written as it is read: {"as_of", "filters", "credentials": [...]}."""
    out.write(json.dumps({"as_of": as_of.isoformat(), "filters": filters},
                         ensure_ascii=False)[:-1] + ', "credentials": [')
    count = 0
    for row in rows:
        out.write(("\n" if count == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count
