"""Runs the benchmarks and prints one table of their headline figures.

    python -m bench all --quick        # every bench/bench_*.py, small sizes, a few minutes
    python -m bench all                # full size (hours on a 2-core machine)
    python -m bench write --quick      # one of them (bench/bench_write.py)
    python -m bench all --store sqlite # one store only

Every `bench/bench_*.py` is found by name, so a benchmark added later is run too; it must
accept `--store sqlite|postgres`, `--quick` and `--summary FILE` (bench/options.py). Each
script runs once per store in its own process (a failure on one store does not hide the
other's figures); its own output streams through, and the table at the end gathers the
figures each run appended to its summary file. PostgreSQL runs are skipped, and say so,
when the server does not answer.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import options

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STORES = ("sqlite", "postgres")
PG_CHECK = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"


def scripts() -> dict[str, Path]:
    """bench/bench_NAME.py by NAME, in name order."""
    return {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}


def postgres_answers() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect(PG_CHECK):
            return True
    except psycopg.Error:
        return False


def run(name: str, script: Path, store: str, quick: bool, extra: list[str]) -> dict:
    """One script on one store: its exit status, wall time and summary rows."""
    with tempfile.TemporaryDirectory(prefix="bench-summary-") as tmp:
        summary = Path(tmp) / "summary.jsonl"
        command = [sys.executable, str(script), "--store", store, "--summary", str(summary),
                   *(["--quick"] if quick else []), *extra]
        env = os.environ | {"PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
        print(f"\n== {name} on {store}: {' '.join(command[1:])}", flush=True)
        started = time.perf_counter()
        code = subprocess.run(command, cwd=ROOT, env=env).returncode
        seconds = time.perf_counter() - started
        if code == options.NOT_APPLICABLE:
            return {"name": name, "store": store, "skipped": "not run: nothing to measure "
                    "on this store (the script says why above)"}
        rows = ([json.loads(line) for line in summary.read_text().splitlines() if line]
                if summary.exists() else [])
    return {"name": name, "store": store, "code": code, "seconds": seconds, "rows": rows}


def number(value: float) -> str:
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"


def table(results: list[dict]) -> str:
    lines = ["| bench | store | size | figure | value | baseline | ratio | run (s) |",
             "|---|---|---|---|---:|---|---:|---:|"]
    for r in results:
        head = f"| {r['name']} | {r['store']} |"
        if r.get("skipped"):
            lines.append(f"{head} {r['skipped']} | | | | | |")
            continue
        if r["code"] != 0:
            lines.append(f"{head} **failed** (exit {r['code']}) | | | | | {r['seconds']:.0f} |")
        elif not r["rows"]:
            lines.append(f"{head} ran (no summary figures) | | | | | {r['seconds']:.0f} |")
        for row in r["rows"]:
            base, ratio = "", ""
            if row.get("baseline_value"):
                base = f"{row['baseline']} {number(row['baseline_value'])} {row['unit']}"
                ratio = f"{row['value'] / row['baseline_value']:.2f}×"
            elif row.get("baseline"):
                base = row["baseline"]
            lines.append(f"{head} {row.get('size', '')} | {row['figure']} | "
                         f"{number(row['value'])} {row['unit']} | {base} | {ratio} | "
                         f"{r['seconds']:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    found = scripts()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=["all", *found], help="a benchmark, or all of them")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--store", action="append", choices=STORES,
                        help="only this store (repeatable); default both")
    args, extra = parser.parse_known_args(argv)
    if extra and args.name == "all":
        parser.error(f"options {extra} can only be passed to one benchmark, not to all")
    chosen = found if args.name == "all" else {args.name: found[args.name]}
    stores = args.store or list(STORES)
    postgres = "postgres" in stores and postgres_answers()
    started = time.perf_counter()
    results = []
    for name, script in chosen.items():
        for store in stores:
            if store == "postgres" and not postgres:
                results.append({"name": name, "store": store,
                                "skipped": "skipped: PostgreSQL at 127.0.0.1:5432 not answering"})
                continue
            results.append(run(name, script, store, args.quick, extra))
    size = "quick size (--quick): indicative only" if args.quick else "full size"
    print(f"\n## Summary: {size}; {time.perf_counter() - started:.0f} s in all; ratios "
          "compare figures measured in the same run\n")
    print(table(results))
    return 1 if any(r.get("code") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
