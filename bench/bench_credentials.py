"""Credential issue latency: GET /credentials/{number}/credential (an Open Badges 3.0
credential, signed vc+jwt) with 50 concurrent clients, beside GET /verify/{number} of the
same numbers in the same run (the same two reads of the store, without shaping and signing).

    python bench/bench_credentials.py --holders 1000000 --store sqlite --store postgres
    python bench/bench_credentials.py --quick --store sqlite    # 2,000 holders, 3 s a row

The population, the server and the client are bench_api's (a populated store of the same
--holders and --workdir is reused by either script; every 5th holder certified); the server
signs with a key ring made for the run. Two loads per endpoint, 50 keep-alive connections:
saturated (closed loop, the asyncio client) and paced (--paced-rate requests/s in all,
latency from each request's scheduled send).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import bench_api as api  # noqa: E402
from bench import options  # noqa: E402
from lifecycle.keys import KeyRing  # noqa: E402

FIRST_IN_FORCE = 2024  # periods from fiscal 2021 to 2023 have lapsed by 2026: refused


def paths(holders: int, kind: str, seed: int):
    """Numbers of certifications still in force (a lapsed one answers 422 LAPSED)."""
    rng = random.Random(seed)
    certified = (holders + api.CERTIFIED_EVERY - 1) // api.CERTIFIED_EVERY
    while True:
        k = rng.randrange(certified)
        if 2021 + k % api.YEARS < FIRST_IN_FORCE:
            continue
        number = api.certification_number(k * api.CERTIFIED_EVERY)
        yield f"/credentials/{number}/credential" if kind == "credential" else f"/verify/{number}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--holders", type=int, default=1_000_000)
    parser.add_argument("--backend", "--store", dest="backend", action="append",
                        choices=["sqlite", "postgres"])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--paced-rate", type=float, default=200.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-api"))
    options.add_common(parser, quick={"holders": 2_000, "seconds": 3.0})
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory() as keys:
        KeyRing.init(Path(keys) / "keys")
        os.environ["LIFECYCLE_KEY_DIR"] = str(Path(keys) / "keys")  # the server's env
        for backend in args.backend or ["sqlite"]:
            url = api.store_url(backend, args.holders, args.workdir)
            print(f"{backend}: {args.holders:,} holders", flush=True)
            api.populate(url, args.holders)
            process, port = api.start_server(url, args.workers)
            try:
                # Each load on both endpoints in turn, verify first: the first row after a
                # bulk load also pays for warming the database's cache.
                for load, rate in (("saturated", None), ("paced", args.paced_rate)):
                    for kind in ("verify", "credential"):
                        result = api.measure(port, paths(args.holders, kind, 3),
                                             args.clients, args.seconds, rate)
                        rows.append((backend, kind, load, result))
                        print(f"  {kind} {load}: {result['rps']:,.0f} req/s, p50 "
                              f"{result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, "
                              f"{result['errors']} errors", flush=True)
            finally:
                process.terminate()
                process.wait()
    print(f"\n{args.holders:,} holders, {args.clients} clients, {args.workers} worker(s), "
          f"{args.seconds:g} s per row\n"
          "| backend | endpoint | load | requests/s | p50 ms | p99 ms | errors |\n"
          "|---|---|---|---:|---:|---:|---:|")
    for backend, kind, load, r in rows:
        print(f"| {backend} | {kind} | {load} | {r['rps']:,.0f} | {r['p50']:.1f} | "
              f"{r['p99']:.1f} | {r['errors']} |")
    for backend, kind, load, r in rows:
        if kind != "credential":
            continue
        verify = next(v for b, k, lo, v in rows if (b, k, lo) == (backend, "verify", load))
        figure = (f"credential issue, {load} ({r['rps']:,.0f} req/s, {args.clients} clients, "
                  f"{r['errors']} errors): p99")
        options.record(args.summary, store=backend, size=f"{args.holders:,} holders",
                       figure=figure, value=r["p99"], unit="ms",
                       baseline=f"verify, same load ({verify['rps']:,.0f} req/s)",
                       baseline_value=verify["p99"])


if __name__ == "__main__":
    main()
