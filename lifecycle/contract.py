"""The JSON shapes of SPEC §8: events as `history --json` entries, values as JSON primitives."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from aggregates.cpd import format_points


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


def failed(error) -> dict:
    return {"ok": False, "error": error.to_dict()}


def crashed(actor: str) -> dict:
    """A command that raised unexpectedly: INTERNAL_ERROR for it alone (the log has why)."""
    return {"ok": False, "error": {"code": "INTERNAL_ERROR",
                                   "message": f"{actor} could not be processed; see the log"}}
