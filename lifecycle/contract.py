"""The JSON shapes of SPEC §8: events as `history --json` entries, values as JSON primitives."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aggregates.cpd import format_points
from aggregates.errors import DomainError
from aggregates.events import fold
from aggregates.holder import Holder
from aggregates.status import holder_status


def jsonable(value: Any) -> Any:
    """Dates as ISO strings, decimals as plain decimal strings, containers recursively."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format_points(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def event_entry(event) -> dict:
    return {
        "type": event.type_name,
        "business_date": event.business_date.isoformat(),
        "recorded_at": event.timestamp.isoformat(),
        "actor": event.actor,
        "version": event.originator_version,
        "data": jsonable(event.data()),
    }


def ok(events) -> dict:
    return {"ok": True, "events": [event_entry(e) for e in events]}


def swept(events, numbers: dict) -> dict:
    """A sweep's result: its events span many holders, so each entry also names its
    holder (`numbers`: aggregate id -> holder number)."""
    return {"ok": True, "events": [{"holder": numbers[e.originator_id], **event_entry(e)}
                                   for e in events]}


def failed(error) -> dict:
    return {"ok": False, "error": error.to_dict()}


def crashed(actor: str) -> dict:
    """A command that raised unexpectedly: INTERNAL_ERROR for it alone (the log has why)."""
    return {"ok": False, "error": {"code": "INTERNAL_ERROR",
                                   "message": f"{actor} could not be processed; see the log"}}


def status_object(holder: Holder, history: Callable[[], Iterable], as_of: date,
                  known_at: datetime | None = None) -> dict:
    """The status object of a loaded holder on `as_of` (as recorded by `known_at`): its
    current state when nothing after `as_of` is known, else a fold of its whole `history`
    (read only then). Shared by `status` and the HTTP API's one-statement read."""
    last = holder.state.last_business_date
    if known_at is None and (last is None or as_of >= last):
        state = holder.state
    else:
        state = fold(history(), as_of, known_at)
        if known_at is not None and not state.number:
            raise DomainError("UNKNOWN_HOLDER", f"there was no holder {holder.state.number} "
                                                f"on record at {known_at}")
    return jsonable(holder_status(state, as_of, identity=holder.state))
