"""What one command sends to PostgreSQL: our one-save-per-command path beside the bare
eventsourcing library, statement by statement.

    python -m bench.write_round_trips --holders 20

Runs the commands of bench_write (exam pass -> application -> payment -> certification,
then 10 CPD entries a holder) through `LifecycleApplication.execute`, and the bare
library's get + event + save per command, each on a throwaway schema, with psycopg
instrumented in-process: every statement a cursor sends (and BEGIN / COMMIT, which the
connection sends itself) is counted by kind, and every time the client blocks on the
server (`Connection.wait`, i.e. a round trip; pipelined statements share one). Prints, per
command type, the mean of each per command, so the difference between the two paths reads
as "these statements, this many times a command". Not a timing: the counts do not depend
on the machine's load.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from eventsourcing.application import Application  # noqa: E402

from bench.bench_write import PG, TODAY, Bare, holder_commands  # noqa: E402
from lifecycle import logs  # noqa: E402
from lifecycle.application import LifecycleApplication  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402

ADMIN = "host=127.0.0.1 user=postgres dbname=test"


class Tally:
    """Statements by kind and client waits, since the last `take()`."""

    def __init__(self) -> None:
        self.statements: Counter[str] = Counter()
        self.waits = 0

    def take(self) -> tuple[Counter[str], int]:
        taken = (self.statements, self.waits)
        self.statements, self.waits = Counter(), 0
        return taken


def kind(conn, query) -> str:
    """A statement's text with the schema, literals and argument lists folded away."""
    text = query if isinstance(query, str) else (
        query.decode() if isinstance(query, bytes) else query.as_string(conn))
    text = re.sub(r'"bench_[0-9a-f]+(_bare)?"\.', "", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\b\d+\b", "N", text)
    return text[:90]


@contextmanager
def instrumented(tally: Tally):
    cursor, connection = psycopg.Cursor, psycopg.Connection
    originals = (cursor.execute, cursor.executemany, connection.wait,
                 connection._exec_command)

    def execute(self, query, params=None, **kwargs):
        tally.statements[kind(self.connection, query)] += 1
        return originals[0](self, query, params, **kwargs)

    def executemany(self, query, params_seq, **kwargs):
        tally.statements[kind(self.connection, query)] += 1
        return originals[1](self, query, params_seq, **kwargs)

    def wait(self, gen, *args, **kwargs):
        tally.waits += 1
        return originals[2](self, gen, *args, **kwargs)

    def exec_command(self, command, *args, **kwargs):
        tally.statements[kind(self, command)] += 1
        return originals[3](self, command, *args, **kwargs)

    cursor.execute, cursor.executemany = execute, executemany
    connection.wait, connection._exec_command = wait, exec_command
    try:
        yield
    finally:
        (cursor.execute, cursor.executemany, connection.wait,
         connection._exec_command) = originals


def per_command(samples: list[tuple[Counter[str], int]]) -> tuple[Counter[str], float]:
    total: Counter[str] = Counter()
    for statements, _ in samples:
        total.update(statements)
    waits = sum(w for _, w in samples) / len(samples)
    return Counter({k: v / len(samples) for k, v in total.items()}), waits


def trace_ours(schema: str, holders: int, tally: Tally, first: int = 0) -> dict[str, list]:
    app = LifecycleApplication(Settings(database_url=f"{PG}?schema={schema}", audit_rate=0))
    by_type: dict[str, list] = defaultdict(list)
    tally.take()
    for i in range(first, first + holders):
        for command in holder_commands(i):
            result = app.execute(command, actor="bench", today=TODAY)
            assert result["ok"], result
            by_type[command["type"]].append(tally.take())
    app.close()
    return by_type


def trace_bare(schema: str, holders: int, tally: Tally) -> dict[str, list]:
    app = Application(env={
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "test",
        "POSTGRES_HOST": "127.0.0.1", "POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "",
        "POSTGRES_SCHEMA": schema})
    by_type: dict[str, list] = defaultdict(list)
    tally.take()
    for _ in range(holders):
        aggregate = Bare(n=0)
        app.save(aggregate)
        by_type["first (save only)"].append(tally.take())
        for n in range(13):
            aggregate = app.repository.get(aggregate.id)
            aggregate.happen(n=n)
            app.save(aggregate)
            by_type["next (get + save)"].append(tally.take())
    app.close()
    return by_type


def timed(run, *args) -> tuple[float, float, int]:
    """Wall and client-CPU milliseconds per command of one uninstrumented run."""
    wall, cpu = time.perf_counter(), time.process_time()
    by_type = run(*args)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    commands = sum(len(samples) for samples in by_type.values())
    return wall * 1000 / commands, cpu * 1000 / commands, commands


def report(title: str, by_type: dict[str, list]) -> None:
    everything = [s for samples in by_type.values() for s in samples]
    print(f"\n## {title}: {len(everything)} commands")
    for name, samples in [*by_type.items(), ("ALL (mean per command)", everything)]:
        statements, waits = per_command(samples)
        print(f"\n{name} ({len(samples)}): {waits:.2f} client waits, "
              f"{sum(statements.values()):.2f} statements per command")
        for text, count in statements.most_common():
            print(f"  {count:5.2f}  {text}")


def main() -> None:
    logs.configure(level="WARNING")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=20)
    args = parser.parse_args()
    schemas = [f"bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    tally = Tally()
    try:
        with instrumented(tally):
            ours = trace_ours(schemas[0], args.holders, tally)
            bare = trace_bare(schemas[1], args.holders, tally)
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'CREATE SCHEMA "{schema}"')
        # Timed pass: same commands, no instrumentation (the tally just collects nothing).
        timings = {"ours": timed(trace_ours, schemas[0], args.holders, Tally(), args.holders),
                   "bare": timed(trace_bare, schemas[1], args.holders, Tally())}
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    report("ours, one save per command", ours)
    report("bare library", bare)
    print("\n## time per command, uninstrumented (ms)\n")
    print("| path | commands | wall | client CPU | the rest (server, network) |")
    print("|---|---:|---:|---:|---:|")
    for name, (wall, cpu, commands) in timings.items():
        print(f"| {name} | {commands} | {wall:.2f} | {cpu:.2f} | {wall - cpu:.2f} |")


if __name__ == "__main__":
    main()
