"""Ledger build rate beside the bare read-and-decode loop on the same data, `verify` time,
an inclusion proof's time, and the hashlib tree beside pymerkle's.

    python bench/bench_ledger.py --events 1000000 --backend sqlite --backend postgres
    python bench/bench_ledger.py --quick          # 20,000 events, both stores

Data as bench/bench_rebuild.py builds it (holders of 8 events, saved 100 holders per
`app.save()`). Each measurement runs in a fresh child process: "decode" reads the log in
pages of 1,000 and decodes every event; "ledger" builds the ledger from nothing (hash each
stored event, insert its leaf, move the frontier and position, one transaction per page);
"verify" is `lifecycle verify`'s audit after one checkpoint over the whole log; "proof" is
`verify --holder` for the last holder. "tree_hashlib" / "tree_pymerkle" append the same
stored events' leaves to an in-memory tree and take its root (no database), on the first
--tree-events events.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("LIFECYCLE_LOG_LEVEL", "ERROR")

from bench_rebuild import _own_peak_rss_mb, populate, store_urls  # noqa: E402

from lifecycle.bootstrap import open_application  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402


def _log(app, limit: int | None = None):
    position, seen = 0, 0
    while True:
        page = app.recorder.select_notifications(position + 1, 1000)
        for n in page:
            yield n
            seen += 1
            if limit is not None and seen >= limit:
                return
        if len(page) < 1000:
            return
        position = page[-1].id


def measure(kind: str, url: str, read_url: str, key_dir: str, tree_events: int) -> dict:
    from lifecycle.keys import KeyRing
    from lifecycle.ledger import audit, checkpoints, leaf, proofs
    from lifecycle.ledger.merkle import Frontier, leaf_hash
    from lifecycle.ledger.projection import Ledger
    from projections.database import read_engine

    settings, read = Settings(database_url=url), Settings(database_url=read_url)
    app = open_application(settings)
    engine = read_engine(read.sqlalchemy_url(), read.schema)
    ring = KeyRing.load(key_dir)
    extra = {}
    started = time.perf_counter()
    if kind == "decode":
        count = sum(1 for n in _log(app) if app.mapper.to_domain_event(n) is not None)
    elif kind == "ledger":
        ledger = Ledger(app.recorder, engine)
        count = ledger.catch_up()
        elapsed = time.perf_counter() - started
        checkpoints.record(engine, checkpoints.sign(ring, ledger.state().tree_size,
                                                    ledger.state().root()))
        started = time.perf_counter() - elapsed
    elif kind == "verify":
        report = audit.verify(app.recorder, engine, ring)
        assert report.ok, report.to_dict()
        count = report.events_in_store
    elif kind == "proof":
        # bench_rebuild's holders are B0000000, B0000001, ... of 8 events each
        holder = f"B{app.recorder.max_notification_id() // 8 - 1:07d}"
        [latest] = checkpoints.recorded(engine)
        proof = proofs.holder_proof(app.recorder, holder, latest, ring)
        assert proof["store_matches_checkpoint"]
        count, extra = latest.tree_size, {"proved_events": len(proof["events"])}
    else:
        leaves = [leaf.of(n) for n in _log(app, tree_events)]
        started = time.perf_counter()
        if kind == "tree_hashlib":
            frontier = Frontier()
            for data in leaves:
                frontier.append(leaf_hash(data))
            root = frontier.root()
        else:
            from pymerkle import InmemoryTree

            tree = InmemoryTree()
            for data in leaves:
                tree.append_entry(data)
            root = tree.get_root()
        count, extra = len(leaves), {"root": root.hex()[:16]}
    elapsed = time.perf_counter() - started
    rss_mb = _own_peak_rss_mb()
    app.close()
    engine.dispose()
    return {"kind": kind, "events": count, "seconds": round(elapsed, 2),
            "events_per_s": round(count / elapsed), "peak_rss_mb": round(rss_mb), **extra}


def child(kind: str, url: str, read_url: str, key_dir: str, tree_events: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--url", url, "--read-url", read_url,
         "--key-dir", key_dir, "--tree-events", str(tree_events)],
        check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


KINDS = ("decode", "ledger", "verify", "proof", "tree_hashlib", "tree_pymerkle")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 events")
    parser.add_argument("--store", "--backend", dest="backend", action="append",
                        choices=("sqlite", "postgres"))
    parser.add_argument("--summary", type=Path, help="append headline figures (JSON lines)")
    parser.add_argument("--tree-events", type=int, default=200_000)
    parser.add_argument("--child")
    parser.add_argument("--url")
    parser.add_argument("--read-url")
    parser.add_argument("--key-dir")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.url, args.read_url, args.key_dir,
                                 args.tree_events)))
        return
    events = 20_000 if args.quick else args.events
    tree_events = min(args.tree_events, events)
    results = []
    for backend in args.backend or ["sqlite", "postgres"]:
        with tempfile.TemporaryDirectory() as tmp:
            from lifecycle.keys import KeyRing

            key_dir = str(KeyRing.init(Path(tmp) / "keys").directory)
            url, read_url, drop = store_urls(backend, Path(tmp))
            try:
                save_rate = populate(url, events)
                print(f"{backend}: {events:,} events saved at {save_rate:,.0f}/s",
                      file=sys.stderr)
                for kind in KINDS:
                    result = {"backend": backend,
                              **child(kind, url, read_url, key_dir, tree_events)}
                    print(json.dumps(result), file=sys.stderr)
                    results.append(result)
            finally:
                drop()
    print_table(results)


def print_table(results: list[dict]) -> None:
    print("| backend | loop | events | seconds | events/s | peak RSS (MB) |")
    print("|---|---|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['backend']} | {r['kind']} | {r['events']:,} | {r['seconds']} | "
              f"{r['events_per_s']:,} | {r['peak_rss_mb']} |")
    by = {(r["backend"], r["kind"]): r for r in results}
    for backend in sorted({r["backend"] for r in results}):
        rate = by[(backend, "ledger")]["events_per_s"] / by[(backend, "decode")]["events_per_s"]
        trees = (by[(backend, "tree_pymerkle")]["seconds"]
                 / max(by[(backend, "tree_hashlib")]["seconds"], 0.001))
        print(f"\n{backend}: ledger build = {rate:.2f}× read-and-decode; verify "
              f"{by[(backend, 'verify')]['seconds']} s; pymerkle tree {trees:.1f}× the "
              "hashlib frontier's time")


if __name__ == "__main__":
    main()
