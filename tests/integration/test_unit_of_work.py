"""The unit of work belongs to a call, not to the shared application: a batch that meets a
conflict in one thread never swallows the single commands another thread runs meanwhile on
the same application object (as an import inside the HTTP server would)."""

from __future__ import annotations

import threading
from collections import Counter

from aggregates.holder import holder_id
from tests.integration.test_store import TODAY, _app, _certified, _cpd

BATCH_HOLDERS = ("H0001", "H0002", "H0003")
SINGLE_HOLDERS = ("H0004", "H0005")


def _entries(app, holder: str) -> Counter:
    return Counter(e.entry_id for e in app.events.get(holder_id(holder))
                   if e.__class__.__name__ == "CPDLogged")


def test_single_commands_beside_a_conflicting_batch_are_all_stored_once(db_url):
    app, rival = _app(db_url), _app(db_url)
    for n, holder in enumerate(BATCH_HOLDERS + SINGLE_HOLDERS):
        _certified(app, holder, suffix=f"{n + 10:04d}")
    batch = [_cpd(h, f"batch-{h}") for h in BATCH_HOLDERS]
    singles = [_cpd(h, f"single-{h}-{i}") for h in SINGLE_HOLDERS for i in range(3)]
    single_results: list[dict] = []
    batch_thread: list[threading.Thread] = []

    def run_singles() -> None:
        for command in singles:
            single_results.append(app.execute(command, actor="single", today=TODAY))

    original_get = app.repository.get
    fired = threading.Event()

    def get(aggregate_id, *args, **kwargs):
        # In the middle of the batch (as it reads its second holder): another thread runs
        # single commands on the same application, and a rival process writes to the
        # batch's first holder, so the batch's save loses the race.
        if (threading.current_thread() is batch_thread[0] and not fired.is_set()
                and aggregate_id == holder_id(BATCH_HOLDERS[1])):
            fired.set()
            assert rival.execute(_cpd(BATCH_HOLDERS[0], "rival"), actor="rival",
                                 today=TODAY)["ok"]
            other = threading.Thread(target=run_singles)
            other.start()
            other.join()
        return original_get(aggregate_id, *args, **kwargs)

    app.repository.get = get
    batch_results: list[dict] = []
    batch_thread.append(threading.Thread(target=lambda: batch_results.extend(
        app.execute_many(batch, actors=["batch"] * len(batch), today=TODAY))))
    batch_thread[0].start()
    batch_thread[0].join()

    assert fired.is_set()
    assert [r["ok"] for r in batch_results] == [True] * len(batch)
    assert [r["ok"] for r in single_results] == [True] * len(singles)
    reader = _app(db_url)
    for holder in SINGLE_HOLDERS:
        assert _entries(reader, holder) == Counter(
            c["entry_id"] for c in singles if c["holder"] == holder)
    for holder in BATCH_HOLDERS:
        expected = Counter({f"batch-{holder}": 1})
        if holder == BATCH_HOLDERS[0]:
            expected["rival"] = 1
        assert _entries(reader, holder) == expected
    for a in (app, rival, reader):
        a.close()
