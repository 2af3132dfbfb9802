"""The event feed: holder events in notification-log order, for downstream systems to
follow and resume ("give me what came after position N").

Positions are the event store's notification ids: they only grow, and on both stores an id
becomes visible only after every lower id has committed or rolled back for good
(projections.runner explains why), so a reader resuming after N never misses a later
commit of a lower id. Ids may skip values; nothing waits for them. The uniqueness
registers' events share the log and are left out: they carry no holder fact.
"""

from __future__ import annotations

from collections import OrderedDict
from uuid import UUID

from eventsourcing.utils import get_topic
from sqlalchemy import Engine, select

from aggregates.events import HolderEvent
from lifecycle import contract
from lifecycle.application import LifecycleApplication
from projections.tables import holders

HOLDER_NUMBERS_CACHED = 100_000


def _subclasses(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


HOLDER_TOPICS = sorted({get_topic(cls) for cls in _subclasses(HolderEvent)})


class Feed:
    def __init__(self, app: LifecycleApplication, engine: Engine):
        self.app = app
        self.engine = engine
        # aggregate id -> holder number never changes, so it is cached for good (bounded).
        self._numbers: OrderedDict[UUID, str] = OrderedDict()

    def page(self, after: int, limit: int) -> dict:
        notifications = self.app.recorder.select_notifications(
            after + 1, limit, topics=HOLDER_TOPICS)
        events = [(n.id, self.app.mapper.to_domain_event(n)) for n in notifications]
        numbers = self._holder_numbers({e.originator_id for _, e in events})
        items = [{"position": position, "holder": numbers[e.originator_id],
                  **contract.event_entry(e)} for position, e in events]
        return {"items": items, "next_after": items[-1]["position"] if items else after}

    def _holder_numbers(self, ids: set[UUID]) -> dict[UUID, str]:
        known = {i: self._numbers.get(i) for i in ids}
        missing = [i for i, number in known.items() if number is None]
        if missing:
            # The read model knows most holders; one that it has not caught up with yet
            # is named by its first event (ExamPassed carries the holder number).
            with self.engine.connect() as conn:
                found = dict(conn.execute(
                    select(holders.c.aggregate_id, holders.c.holder_number)
                    .where(holders.c.aggregate_id.in_([i.hex for i in missing]))).all())
            for aggregate_id in missing:
                number = found.get(aggregate_id.hex) or self._first_event_holder(aggregate_id)
                known[aggregate_id] = number
                self._remember(aggregate_id, number)
        return known

    def _first_event_holder(self, aggregate_id: UUID) -> str:
        first = next(iter(self.app.events.get(aggregate_id, lte=1)))
        return first.holder

    def _remember(self, aggregate_id: UUID, number: str) -> None:
        self._numbers[aggregate_id] = number
        while len(self._numbers) > HOLDER_NUMBERS_CACHED:
            self._numbers.popitem(last=False)
