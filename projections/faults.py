"""Records a read model cannot write: found, named, shown, and set aside by an operator.

The command boundary (lifecycle.storable) keeps out what the read models cannot hold; this
is for anything that still gets through (a bug in a row rule, a database limit). Instead of
failing anonymously at the same page on every later call, the runner finds the first
notification of the page that fails (by bisection, in transactions it rolls back), records
it in `projection_faults` and raises `UnwritableRecord`, whose message names the position,
the holder and the event type (never the values: they may be personal data).

`skip` sets the holder aside: its rows are removed and its later events are not projected,
so the lists stay exact for everyone else (and do not show that holder) until a rebuild
replays it, which stops again, naming it, if it still cannot be written.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select

from projections import tables


class UnwritableRecord(RuntimeError):
    """The read model cannot hold one record of the log: catch-up stopped before it."""


def describe(position: int, holder: str | None, event_type: str, error: BaseException) -> str:
    who = f"holder {holder}" if holder else "no holder"
    return (f"the read models stopped before notification {position} ({who}, {event_type}): "
            f"it cannot be written ({type(error).__name__}); fix the cause and catch up, or "
            f"set the holder aside with `lifecycle projections skip {position}`")


def record(engine: Engine, name: str, position: int, aggregate_id: str | None,
           holder: str | None, event_type: str, error: BaseException) -> None:
    t = tables.faults
    with engine.begin() as conn:
        conn.execute(delete(t).where(t.c.name == name))
        conn.execute(insert(t).values(
            name=name, position=position, aggregate_id=aggregate_id, holder_number=holder,
            event_type=event_type, error=type(error).__name__,
            seen_at=datetime.now(UTC)))


def clear(conn, name: str) -> None:
    conn.execute(delete(tables.faults).where(tables.faults.c.name == name))


def current(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(tables.faults)).mappings()]


def skipped(engine: Engine) -> dict[str, dict]:
    """Holders set aside, by aggregate id (hex)."""
    with engine.connect() as conn:
        return {r["aggregate_id"]: dict(r)
                for r in conn.execute(select(tables.skipped_holders)).mappings()}


def skip(engine: Engine, position: int, by: str) -> dict:
    """Set aside the holder of the fault at `position`: remove its rows, stop projecting its
    events. Returns the skipped holder's row; KeyError when no fault is at that position."""
    found = [f for f in current(engine) if f["position"] == position]
    if not found:
        raise KeyError(position)
    fault = found[0]
    row = {"aggregate_id": fault["aggregate_id"], "holder_number": fault["holder_number"],
           "position": position, "event_type": fault["event_type"], "skipped_by": by,
           "skipped_at": datetime.now(UTC)}
    with engine.begin() as conn:
        if fault["holder_number"]:
            for table in (*tables.PER_HOLDER, tables.holders):
                conn.execute(delete(table).where(
                    table.c.holder_number == fault["holder_number"]))
        conn.execute(insert(tables.skipped_holders).values(**row))
        conn.execute(delete(tables.faults).where(tables.faults.c.position == position))
    return row
