"""How `lifecycle serve` answers across a PostgreSQL crash: the latency of each request while
the database is down (503 expected), and of the first requests once it is back (200).

Runs its own throwaway cluster (tests/faults/cluster.py: initdb, needs PostgreSQL's server
binaries). Usage: python -m bench.bench_outage [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.options import add_summary, not_applicable  # noqa: E402
from tests.faults.conftest import Database  # noqa: E402
from tests.faults.test_serve_outage import READS, _pass, _serving  # noqa: E402


def _timed(call) -> tuple[float, int]:
    started = time.perf_counter()
    status = call().status_code
    return (time.perf_counter() - started) * 1000, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="postgres",
                        help="PostgreSQL only: the outage is a crash of its own cluster")
    parser.add_argument("--quick", action="store_true", help="2 rounds")
    add_summary(parser)
    args = parser.parse_args()
    if args.store == "sqlite":
        not_applicable("the outage is a crash of a PostgreSQL server; an SQLite file has no "
                       "server to lose (tests/faults covers its disk faults)")
    rounds = 2 if args.quick else args.rounds
    import tempfile
    from pathlib import Path

    from tests.faults.cluster import Cluster

    server = Cluster(Path(tempfile.mkdtemp(prefix="lifecycle-bench-")))
    server.start()
    server.create_database("bench")
    database = Database(server, "bench")
    down, first_up, statuses = [], [], set()
    try:
        with _serving(database.url) as (client, _process):
            for n in range(rounds):
                database.crash()
                for path in READS:
                    ms, status = _timed(lambda p=path: client.get(p))
                    down.append(ms)
                    statuses.add(status)
                ms, status = _timed(lambda n=n: client.post("/commands", json=_pass(100 + n)))
                down.append(ms)
                statuses.add(status)
                database.start()
                ms, status = _timed(lambda: client.get(READS[0]))
                first_up.append(ms)
                statuses.add(status)
    finally:
        server.remove()
    print(f"statuses seen: {sorted(statuses)}")
    print(f"during the outage: {len(down)} requests, median {statistics.median(down):.1f} ms, "
          f"max {max(down):.1f} ms")
    print(f"first request after restart: median {statistics.median(first_up):.1f} ms, "
          f"max {max(first_up):.1f} ms")


if __name__ == "__main__":
    main()
