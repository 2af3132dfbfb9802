"""Events to rows: fold a page of holder events into each holder's state and derive the
rows of every holder the page touched (`prepare`), then replace those holders' rows in bulk
inside the caller's transaction (`write`). Everything but the writing happens before the
transaction opens, so that parallel runners on SQLite hold its one write lock briefly.

A holder's state is the same fold the aggregate makes (each event's own `apply`), so the
rows agree with `app.status`. States of recently seen holders stay in memory (bounded).
For any other holder, the read model's `holders.version` says how far its rows go, and the
state at exactly that version is read back from the event store (snapshots + events,
`load_states`, one batch per page): the event store stays the only copy of a holder's
history, nothing has to be serialised per page, and a resumed catch-up folds on from where
the rows stop.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import Connection, delete, select

from aggregates.events import FeePaid, HolderEvent
from aggregates.state import HolderState
from projections import bulk, rows, tables
from projections.database import create_deferred_indexes, schema_of

CHUNK = 500  # ids per IN (...) list, well under SQLite's variable limit


class ProjectionError(RuntimeError):
    """The event stream and the stored read model disagree (a gap or a replay)."""


@dataclass(frozen=True)
class Prepared:
    """A page folded and turned into rows: what `write` puts in the read model."""

    replaced: list[str]  # holder numbers whose old rows go
    rows: list[bulk.Rows]
    holders: int  # holders the page touched


@dataclass
class Touched:
    aggregate_id: str
    version: int
    state: HolderState
    had_rows: bool
    position: int = 0
    payments: list[dict] = field(default_factory=list)


class HolderStates:
    """Recently folded holder states, least recently used evicted first.

    An entry is (version, state, prefolded): the state folds the events up to `version`.
    A `prefolded` state was handed over by its writer (`Projector.prefolded`): which of its
    events the read model holds is then told by the position alone (an event in a page is
    after it), so such events are written, never applied twice."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._states: OrderedDict[str, tuple[int, HolderState, bool]] = OrderedDict()

    def get(self, aggregate_id: str) -> tuple[int, HolderState, bool] | None:
        found = self._states.get(aggregate_id)
        if found is not None:
            self._states.move_to_end(aggregate_id)
        return found

    def put(self, aggregate_id: str, version: int, state: HolderState,
            prefolded: bool = False) -> None:
        self._states[aggregate_id] = (version, state, prefolded)
        self._states.move_to_end(aggregate_id)
        while len(self._states) > self.maxsize:
            self._states.popitem(last=False)

    def clear(self) -> None:
        self._states.clear()


# [(aggregate id, version)] -> each holder's fold at exactly that version, by id
LoadStates = Callable[[list[tuple[UUID, int]]], dict[UUID, HolderState]]


class Projector:
    def __init__(self, load_states: LoadStates, cache_size: int = 5000):
        self.load_states = load_states
        self.states = HolderStates(cache_size)
        self._indexed = False  # the lookup by aggregate id is known to have its index

    def forget(self) -> None:
        """After a failed transaction: in-memory states may hold uncommitted events."""
        self.states.clear()

    def prefolded(self, aggregate_id: UUID, version: int, state: HolderState) -> None:
        """A holder's state as its writer folded it and saved it up to `version` (the
        sweep): the catch-up that projects those events takes it instead of reading and
        folding the holder again. The writer must not change it afterwards."""
        self.states.put(aggregate_id.hex, version, state, prefolded=True)

    def tables_reset(self) -> None:
        """The read model was dropped for a rebuild (without tables.DEFERRED_INDEXES)."""
        self.states.clear()
        self._indexed = False

    def index_lookups(self, engine) -> None:
        """Make sure the lookup of holders by aggregate id has its index (which a rebuild
        builds only at its end)."""
        if not self._indexed:
            create_deferred_indexes(engine)
            self._indexed = True

    def prepare(self, conn: Connection, events: Sequence[tuple[int, HolderEvent]]
                ) -> Prepared:
        """Fold `(position, event)` pairs, in log order, into the states of the holders they
        touch, and derive their rows. Only reads (`conn` may be outside the page's
        transaction)."""
        grouped: dict[str, list[tuple[int, HolderEvent]]] = {}
        for position, event in events:
            grouped.setdefault(event.originator_id.hex, []).append((position, event))
        touched = self._fold(conn, grouped)
        schema = schema_of(conn.engine)
        return Prepared(replaced=[t.state.number for t in touched if t.had_rows],
                        rows=[bulk.convert(conn.dialect, schema, table, values)
                              for table, values in _rows_by_table(touched).items()],
                        holders=len(touched))

    def derive(self, engine, holders: list[tuple[str, int, int, HolderState]]) -> Prepared:
        """Rows again for holders whose rows exist, from their states at the rows' versions
        (aggregate id, version, position, state): the rules changed, not the holders."""
        touched = [Touched(aggregate_id, version, state, had_rows=True, position=position)
                   for aggregate_id, version, position, state in holders]
        schema = schema_of(engine)
        return Prepared(replaced=[t.state.number for t in touched],
                        rows=[bulk.convert(engine.dialect, schema, table, values)
                              for table, values in _rows_by_table(touched).items()],
                        holders=len(touched))

    def write(self, conn: Connection, prepared: Prepared) -> int:
        """Replace the prepared holders' rows; returns how many holders."""
        for chunk in _chunks(prepared.replaced):
            for table in (*tables.PER_HOLDER, tables.holders):
                conn.execute(delete(table).where(table.c.holder_number.in_(chunk)))
        for batch in prepared.rows:
            bulk.write(conn, batch)
        return prepared.holders

    def _fold(self, conn: Connection, grouped: dict) -> list[Touched]:
        # Resolve every state before folding: putting one holder may evict another.
        known = {h: self.states.get(h) for h in grouped}
        missed = [h for h in grouped if known[h] is None]
        # A holder whose first event is in this page has no rows yet: the read model holds
        # exactly the events up to the position the page was read after.
        unseen = [h for h in missed if grouped[h][0][1].originator_version > 1]
        if unseen:  # before `conn` opens its transaction, which would not see a new index
            self.index_lookups(conn.engine)
        known.update(self._resume(missed, self._stored_versions(conn, unseen)))
        touched = []
        for aggregate_id, holder_events in grouped.items():
            version, state, prefolded = known[aggregate_id]
            item = Touched(aggregate_id, version, state, had_rows=version > 0)
            for position, event in holder_events:
                if prefolded and event.originator_version <= version:
                    self._take_prefolded(item, position, event)
                else:
                    self._apply(item, position, event)
            self.states.put(aggregate_id, item.version, state, prefolded)
            if item.position:  # something new for this holder
                touched.append(item)
        return touched

    def _resume(self, aggregate_ids: list[str], stored: dict[str, int]
                ) -> dict[str, tuple[int, HolderState, bool]]:
        """Holders not in memory: empty if they have no rows yet, else their states at the
        versions their rows stop at, all read from the event store in one batch."""
        wanted = [(UUID(h), stored[h]) for h in aggregate_ids if stored.get(h, 0) > 0]
        loaded = self.load_states(wanted) if wanted else {}
        return {h: (stored[h], loaded[UUID(h)], False) if stored.get(h, 0) > 0
                else (0, HolderState(), False) for h in aggregate_ids}

    @staticmethod
    def _take_prefolded(item: Touched, position: int, event: HolderEvent) -> None:
        """An event the handed-over state already folds: its rows are written, not its
        change applied again."""
        item.position = position
        if isinstance(event, FeePaid):
            item.payments.append(rows.payment_row(event, item.state.number, position))

    @staticmethod
    def _apply(item: Touched, position: int, event: HolderEvent) -> None:
        if event.originator_version <= item.version:
            return  # already in the read model: a replayed page changes nothing
        if event.originator_version != item.version + 1:
            raise ProjectionError(
                f"holder {item.aggregate_id}: event version {event.originator_version} "
                f"follows stored version {item.version}"
            )
        event.apply(item.state)
        item.version = event.originator_version
        item.position = position
        if isinstance(event, FeePaid):
            item.payments.append(rows.payment_row(event, item.state.number, position))

    @staticmethod
    def _stored_versions(conn: Connection, aggregate_ids: list[str]) -> dict[str, int]:
        t = tables.holders
        found = {}
        for chunk in _chunks(aggregate_ids):
            found.update(conn.execute(select(t.c.aggregate_id, t.c.version)
                                      .where(t.c.aggregate_id.in_(chunk))).all())
        return found


def _rows_by_table(touched: list[Touched]) -> dict:
    """Every row of the touched holders, by table (payments come from the page's events)."""
    batches: dict = {table: [] for table in (*tables.PER_HOLDER, tables.holders)}
    for t in touched:
        derived = rows.holder_rows(t.aggregate_id, t.version, t.position, t.state)
        for table, values in zip(rows.TABLE_ORDER, derived, strict=True):
            batches[getattr(tables, table)].extend(values)
    batches[tables.payments] = [p for t in touched for p in t.payments]
    return batches


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]
