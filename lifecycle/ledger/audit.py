"""`lifecycle verify`: recompute the tree from the store's notification log and check it
against the ledger's leaves and every signed checkpoint.

Both sequences are read in order, side by side, in pages (memory stays flat). At the first
leaf where they differ, the next leaf of each tells what happened: the store's leaf equals
the ledger's next one (an event was removed), the ledger's leaf equals the store's next one
(an event was inserted), both (two events were swapped), neither (an event was altered).
Each checkpoint is checked twice: its signature against the key ring, and its root against
the root the store's first `tree_size` events give (and the ledger's own leaves give), so
a change made to the events and the ledger's leaves together still fails at the first
checkpoint it falls under.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from lifecycle.keys import KeyRing
from lifecycle.ledger import checkpoints as cps
from lifecycle.ledger import leaf, tables
from lifecycle.ledger.merkle import EMPTY_ROOT, Frontier, leaf_hash
from lifecycle.ledger.projection import read_state
from projections import tables as read_tables

PAGE = 5000


@dataclass(frozen=True)
class Item:
    leaf_index: int
    notification_id: int
    originator_id: str  # uuid hex
    event_type: str
    hashed: bytes


@dataclass
class Finding:
    kind: str  # altered | removed | inserted | swapped
    items: list[Item]
    holders: list[str | None] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "events": [
            {"notification_id": i.notification_id, "leaf_index": i.leaf_index,
             "holder": h, "event_type": i.event_type, "originator_id": i.originator_id}
            for i, h in zip(self.items, self.holders or [None] * len(self.items),
                            strict=True)]}

    def sentence(self) -> str:
        named = " and ".join(
            f"notification {i.notification_id} (holder {h or 'none'}, {i.event_type})"
            for i, h in zip(self.items, self.holders or [None] * len(self.items), strict=True))
        verb = {"altered": "was altered", "removed": "was removed",
                "inserted": "was inserted behind the engine's back",
                "swapped": "were swapped"}[self.kind]
        return f"{named} {verb}"


@dataclass
class CheckpointResult:
    checkpoint: cps.Checkpoint
    problem: str | None  # None: signed by the body and matching the store

    def to_dict(self) -> dict:
        c = self.checkpoint
        return {"source": c.source, "tree_size": c.tree_size, "root_hash": c.root_hash.hex(),
                "signed_at": c.to_json()["signed_at"], "key_id": c.key_id,
                "ok": self.problem is None, "problem": self.problem}


@dataclass
class Report:
    events_in_store: int = 0
    ledger_size: int = 0
    not_yet_in_ledger: int = 0
    first: Finding | None = None
    checkpoints: list[CheckpointResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.first is None and all(r.problem is None for r in self.checkpoints)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "events_in_store": self.events_in_store,
                "ledger_size": self.ledger_size, "not_yet_in_ledger": self.not_yet_in_ledger,
                "first_discrepancy": self.first.to_dict() if self.first else None,
                "message": self.first.sentence() if self.first else None,
                "checkpoints": [r.to_dict() for r in self.checkpoints]}


class _Peek:
    def __init__(self, items: Iterator[Item]):
        self._items, self._ahead = items, deque()

    def peek(self, k: int = 0) -> Item | None:
        while len(self._ahead) <= k:
            nxt = next(self._items, None)
            if nxt is None:
                return None
            self._ahead.append(nxt)
        return self._ahead[k]

    def take(self) -> None:
        self._ahead.popleft()


def store_items(recorder, stop: int | None = None) -> Iterator[tuple[Item, object]]:
    """The store's log in order, each event with its recomputed leaf hash (and itself)."""
    position, index = 0, 0
    while True:
        page = recorder.select_notifications(position + 1, PAGE, stop=stop)
        for n in page:
            yield Item(index, n.id, n.originator_id.hex, leaf.event_type(n.topic),
                       leaf_hash(leaf.of(n))), n
            index += 1
        if len(page) < PAGE:
            return
        position = page[-1].id


def ledger_items(engine: Engine) -> Iterator[Item]:
    t = tables.leaves
    after = -1
    while True:
        with engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.leaf_index > after)
                                .order_by(t.c.leaf_index).limit(PAGE)).all()
        for r in rows:
            yield Item(r.leaf_index, r.notification_id, r.originator_id, r.event_type,
                       bytes(r.leaf_hash))
        if len(rows) < PAGE:
            return
        after = rows[-1].leaf_index


def verify(recorder, engine: Engine, ring: KeyRing, extra: list[cps.Checkpoint] = ()
           ) -> Report:
    with engine.connect() as conn:
        position = read_state(conn).position
    checks = sorted([*cps.recorded(engine), *extra], key=lambda c: c.tree_size)
    report = Report()
    problems: dict[int, str] = {}
    for i, c in enumerate(checks):
        if (refused := cps.check(c, ring)) is not None:
            problems[i] = refused
    store = _Peek(item for item, _ in store_items(recorder))
    ledger = _Peek(ledger_items(engine))
    mine, theirs = Frontier(), Frontier()  # the store's tree, the ledger table's tree
    for i, c in enumerate(checks):
        if c.tree_size == 0 and i not in problems and c.root_hash != EMPTY_ROOT:
            problems[i] = f"{c.source} (tree size 0) does not carry the empty tree's root"
    pending = deque((i, c) for i, c in enumerate(checks)
                    if i not in problems and c.tree_size)
    while True:
        a, b = store.peek(), ledger.peek()
        if a is None and b is None:
            break
        if report.first is None:
            report.first = _compare(store, ledger, position)
        if a is not None:
            mine.append(a.hashed)
            store.take()
            if b is None:
                report.not_yet_in_ledger += 1
        if b is not None:
            theirs.append(b.hashed)
            ledger.take()
        _check_roots(pending, mine, theirs, problems)
    report.events_in_store, report.ledger_size = mine.size, theirs.size
    for i, c in pending:  # larger than the store's whole log
        problems[i] = (f"{c.source} covers {c.tree_size} events; the store holds only "
                       f"{mine.size}: events were removed")
    report.checkpoints = [CheckpointResult(c, problems.get(i)) for i, c in enumerate(checks)]
    if report.first is not None:
        report.first.holders = _holders(engine, [i.originator_id for i in report.first.items])
    return report


def _compare(store: _Peek, ledger: _Peek, position: int) -> Finding | None:
    a, b = store.peek(), ledger.peek()
    if b is None:  # past the ledger: new events, unless hidden below its position
        return Finding("inserted", [a]) if a.notification_id <= position else None
    if a is None:
        return Finding("removed", [b])
    if a.hashed == b.hashed:
        return None
    a1, b1 = store.peek(1), ledger.peek(1)
    if a1 is not None and b1 is not None and a.hashed == b1.hashed and a1.hashed == b.hashed:
        return Finding("swapped", [b, b1])
    if b1 is not None and a.hashed == b1.hashed:
        return Finding("removed", [b])
    if a1 is not None and a1.hashed == b.hashed:
        return Finding("inserted", [a])
    return Finding("altered", [b])


def _check_roots(pending: deque, mine: Frontier, theirs: Frontier, problems: dict) -> None:
    """Check the checkpoints (sorted by size) whose size the store's tree has just reached."""
    while pending and pending[0][1].tree_size <= mine.size:
        i, c = pending.popleft()
        if mine.root() != c.root_hash:
            problems[i] = (f"{c.source} (tree size {c.tree_size}) does not match the "
                           f"store: its first {c.tree_size} events hash to "
                           f"{mine.root().hex()}, not {c.root_hash.hex()}")
        elif theirs.size == c.tree_size and theirs.root() != c.root_hash:
            problems[i] = (f"{c.source} (tree size {c.tree_size}) does not match the "
                           "ledger's own leaves: the ledger table was altered")


def _holders(engine: Engine, originator_ids: list[str]) -> list[str | None]:
    """Holder numbers from the read model (none for a register's event, or no read model)."""
    h = read_tables.holders
    try:
        with engine.connect() as conn:
            found = dict(conn.execute(select(h.c.aggregate_id, h.c.holder_number)
                                      .where(h.c.aggregate_id.in_(originator_ids))).all())
    except Exception:  # noqa: BLE001 - the read model is optional to the audit
        return [None] * len(originator_ids)
    return [found.get(i) for i in originator_ids]
