"""What-if over a whole register: every holder replayed under a proposal, nothing written.

    python bench/bench_whatif.py --holders 1000000 --store sqlite --store postgres
    python bench/bench_whatif.py --quick --store sqlite      # 5,000 holders

Data: holders of 8 events each (bench_rebuild's: exam pass, application, payment,
certification, 4 CPD entries of 6 h, cycle 2027-04-01 … 2030-03-31), saved 100 holders per
`app.save()`. The proposal raises the CPD requirement to 40 for every cycle, so every
holder's figure differs and every holder is a row: the worst case for the rows' files. The
what-if runs in a fresh child process (`lifecycle.policy.replay.what_if`, as `lifecycle
what-if --jobs N` does) so that its peak RSS is its own; the workers' peak is bounded by
ru_maxrss of the children. Beside it, the bare loop that only reads and decodes the log.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LIFECYCLE_LOG_LEVEL", "ERROR")

from bench import options  # noqa: E402
from bench.bench_rebuild import (  # noqa: E402
    _own_peak_rss_mb,
    decode_log,
    make_holder,
    store_urls,
)
from lifecycle.bootstrap import open_application  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402

AS_OF = date(2030, 1, 15)


def proposal_text() -> str:
    from lifecycle.policy.loading import default_text

    return (default_text().replace('version = "spec"', 'version = "bench-40"')
            .replace("required = 30 ", "required = 40 "))


def populate(url: str, holders: int) -> float:
    app = open_application(Settings(database_url=url, snapshot_interval=0))
    started = time.perf_counter()
    for first in range(0, holders, 100):
        batch = [make_holder(n) for n in range(first, min(first + 100, holders))]
        app.save(*[e for h in batch for e in h.collect_events()])
    app.close()
    return holders / (time.perf_counter() - started)


def measure(kind: str, url: str, jobs: int) -> dict:
    """In a child process: one run and its peak RSS."""
    settings = Settings(database_url=url)
    started = time.perf_counter()
    if kind == "decode":
        app = open_application(settings)
        count = decode_log(app)
        app.close()
        rows = 0
    else:
        from lifecycle.policy.replay import what_if

        with tempfile.TemporaryDirectory() as workdir:
            report = what_if(settings, proposal_text(), AS_OF, jobs, Path(workdir))
            count, rows = report.holders, report.differing
    elapsed = time.perf_counter() - started
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"kind": kind, "count": count, "rows": rows, "seconds": round(elapsed, 2),
            "peak_rss_mb": round(_own_peak_rss_mb()),
            "worker_peak_rss_mb": round(workers) if jobs > 1 and kind != "decode" else 0}


def child(kind: str, url: str, jobs: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url, "--jobs", str(jobs)],
        check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=1_000_000)
    parser.add_argument("--store", dest="stores", action="append",
                        choices=("sqlite", "postgres"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--child")
    parser.add_argument("--url")
    options.add_common(parser, quick={"holders": 5_000})
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.url, args.jobs)))
        return
    for store in args.stores or ["sqlite", "postgres"]:
        with tempfile.TemporaryDirectory() as tmp:
            url, _, drop = store_urls(store, Path(tmp))
            try:
                rate = populate(url, args.holders)
                print(f"{store}: {args.holders:,} holders saved at {rate:,.0f}/s", flush=True)
                decode = child("decode", url, 1)
                run = child("what-if", url, args.jobs)
            finally:
                drop()
        print(json.dumps({"store": store, "decode": decode, "what_if": run}), flush=True)
        per_s = run["count"] / run["seconds"]
        print(f"{store}: what-if --jobs {args.jobs} over {run['count']:,} holders "
              f"({run['rows']:,} rows) in {run['seconds']} s = {per_s:,.0f} holders/s; "
              f"read-and-decode of the log {decode['seconds']} s; peak RSS "
              f"{run['peak_rss_mb']} MB + {args.jobs} workers ≤ {run['worker_peak_rss_mb']} MB")
        size = f"{args.holders:,} holders"
        scaled = run["seconds"] * 1_000_000 / max(1, run["count"])
        options.record(args.summary, store=store, figure=f"what-if --jobs {args.jobs}",
                       value=run["seconds"], unit="s", baseline="read-and-decode",
                       baseline_value=decode["seconds"], size=size)
        options.record(args.summary, store=store,
                       figure=f"what-if --jobs {args.jobs}, scaled to 1,000,000 holders",
                       value=round(scaled, 1), unit="s", baseline="target",
                       baseline_value=60, size=size)
        options.record(args.summary, store=store,
                       figure=f"what-if --jobs {args.jobs}: peak RSS, all processes",
                       value=run["peak_rss_mb"] + args.jobs * run["worker_peak_rss_mb"],
                       unit="MB", baseline="target", baseline_value=300, size=size)


if __name__ == "__main__":
    main()
