"""How our values are stored in the event store's JSON: dates as ISO text, and the holder's
state dataclasses (in snapshots) as dicts of their fields."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from aggregates.state import STATE_CLASSES


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class DataclassAsDict(Transcoding):
    """Snapshots of the holder's state: each state dataclass as a dict of its fields."""

    def __init__(self, cls: type):
        self.type = cls
        self.name = f"state.{cls.__name__}"

    def encode(self, obj: Any) -> dict:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

    def decode(self, data: dict) -> Any:
        return self.type(**data)


def register(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    for cls in STATE_CLASSES:
        transcoder.register(DataclassAsDict(cls))
