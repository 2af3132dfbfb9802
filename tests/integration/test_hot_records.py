"""Writers that meet on one record take turns: every one is answered ok, certification
numbers run without gap or duplicate, even with a busy process beside the test."""

from __future__ import annotations

import threading

from lifecycle.demo.population import certification_commands
from tests.integration.test_store import TODAY, _app

WRITERS = 50


def test_fifty_concurrent_certifications_get_fifty_consecutive_numbers(db_url, busy_cpu):
    setup = _app(db_url)
    holders = [f"H{n:04d}" for n in range(WRITERS)]
    decisions = []
    for n, holder in enumerate(holders):
        *before, decision = certification_commands(holder, f"P26-{n:06d}", f"B-{holder}")
        results = setup.execute_many(before, actors=["setup"] * 3, today=TODAY)
        assert all(r["ok"] for r in results), results
        decisions.append(decision)
    barrier = threading.Barrier(WRITERS)
    results: dict[str, dict] = {}
    apps = [_app(db_url) for _ in range(5)]  # five processes' worth of applications

    def certify(n: int) -> None:
        barrier.wait()
        results[holders[n]] = apps[n % len(apps)].execute(decisions[n], actor="reviewer",
                                                          today=TODAY)

    threads = [threading.Thread(target=certify, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = {h: r["error"] for h, r in results.items() if not r["ok"]}
    assert refused == {}
    numbers = sorted(next(e["data"]["certification_number"] for e in r["events"]
                          if e["type"] == "Certified") for r in results.values())
    assert numbers == [f"CAP-2027-{n:05d}" for n in range(1, WRITERS + 1)]
    for app in [setup, *apps]:
        app.close()
