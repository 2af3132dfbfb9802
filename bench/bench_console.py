"""The office console under load: the holder page and a name search, 10 staff at once, on a
store of N holders.

    python bench/bench_console.py --holders 1000000 --store sqlite --store postgres
    python bench/bench_console.py --quick --store sqlite     # 2,000 holders, 3 s a page

The population is bench_api's (written through the domain, every 5th holder certified;
names `試験 {i}`), in a store of this bench's own (/tmp/bench-console, schema
`bench_console_N`), reused by later runs; its read models are then caught up (the search
reads them). A real `lifecycle serve` process answers 10 keep-alive clients logged in as one
clerk (whose holder page carries the timeline and the write forms), each sending its next
request as soon as the last is answered (closed loop). Latency is the round trip measured
by the client on the same machine: an upper bound of the server's time.

- holder page: GET /console/holders/{random holder}
- search: GET /console/search?q=試験 {random number} (the folded-name prefix range, first
  page of 20)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import options  # noqa: E402
from bench.bench_api import number, populate, start_server  # noqa: E402
from lifecycle import bootstrap  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402
from lifecycle.staff import Accounts  # noqa: E402
from projections.runner import Runner  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
STAFF, PASSWORD = "bench-clerk", "bench-clerk-password"
TARGET_MS = 100.0


def store_url(backend: str, holders: int, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / f'console-{holders}.db'}"
    import psycopg

    schema = f"bench_console_{holders}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as c:
        c.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return f"{PG}?schema={schema}"


def prepare(url: str, holders: int) -> None:
    """The population, its read models caught up, and a clerk to log in as."""
    populate(url, holders)
    settings = Settings(database_url=url, audit_rate=Decimal("0"))
    app = bootstrap.open_application(settings)
    engine = bootstrap.open_read_engine(settings)
    try:
        started = time.perf_counter()
        read = Runner(app, engine).catch_up()
        if read:
            print(f"  read models: {read:,} events in {time.perf_counter() - started:,.0f} s",
                  flush=True)
    finally:
        engine.dispose()
        app.close()
    staff = bootstrap.open_staff_engine(settings)
    try:
        accounts = Accounts(staff)
        if accounts.get(STAFF) is None:
            accounts.add(STAFF, "clerk", PASSWORD, by="bench")
    finally:
        staff.dispose()


def log_in(port: int) -> str:
    """The session cookie of the clerk, through the login form."""
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        form = client.get("/console/login").text
        token = re.search(r'name="login_token" value="([^"]+)"', form).group(1)
        answer = client.post("/console/login", data={
            "name": STAFF, "password": PASSWORD, "login_token": token, "next": "/console/"})
        if answer.status_code != 303:
            raise RuntimeError(f"login refused: {answer.status_code}")
        return f"lc_session={client.cookies['lc_session']}"


async def _get(reader, writer, path: str, cookie: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n"
                 .encode())
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines
                  if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split(" ", 2)[1])


async def _load(port: int, paths, cookie: str, clients: int, seconds: float):
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                if await _get(reader, writer, next(paths), cookie) != 200:
                    errors += 1
                latencies.append(time.perf_counter() - sent)
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, errors


def measure(port: int, paths, cookie: str, clients: int, seconds: float) -> dict:
    asyncio.run(_load(port, paths, cookie, clients, min(2.0, seconds)))  # warm-up
    latencies, errors = asyncio.run(_load(port, paths, cookie, clients, seconds))
    latencies.sort()
    return {"rps": len(latencies) / seconds, "errors": errors,
            "p50": statistics.median(latencies) * 1000,
            "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000}


def holder_paths(holders: int):
    rng = random.Random(3)
    while True:
        yield f"/console/holders/{number(rng.randrange(holders))}"


def search_paths(holders: int):
    rng = random.Random(4)
    while True:
        yield f"/console/search?q={quote(f'試験 {rng.randrange(holders)}')}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--holders", type=int, default=1_000_000)
    parser.add_argument("--store", dest="stores", action="append",
                        choices=["sqlite", "postgres"])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=1, help="Server processes.")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-console"))
    options.add_common(parser, quick={"holders": 2_000, "seconds": 3.0})
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for store in args.stores or ["sqlite"]:
        url = store_url(store, args.holders, args.workdir)
        print(f"{store}: {args.holders:,} holders", flush=True)
        prepare(url, args.holders)
        process, port = start_server(url, args.workers)
        try:
            cookie = log_in(port)
            for page, paths in (("holder page", holder_paths), ("search", search_paths)):
                result = measure(port, paths(args.holders), cookie, args.clients,
                                 args.seconds)
                rows.append((store, f"{page}, {args.workers} worker(s)", result))
                print(f"  {page}: {result['rps']:,.0f} req/s, p50 {result['p50']:.1f} ms, "
                      f"p95 {result['p95']:.1f} ms, p99 {result['p99']:.1f} ms, "
                      f"{result['errors']} errors", flush=True)
        finally:
            process.terminate()
            process.wait()
    print(f"\n{args.holders:,} holders, {args.clients} clients, {args.seconds:g} s per row\n"
          "| store | page | requests/s | p50 ms | p95 ms | p99 ms | errors |\n"
          "|---|---|---|---|---|---|---|")
    for store, page, r in rows:
        print(f"| {store} | {page} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p95']:.1f} | "
              f"{r['p99']:.1f} | {r['errors']} |")
        options.record(args.summary, store=store, size=f"{args.holders:,} holders",
                       figure=f"{page} ({r['rps']:,.0f} req/s, {args.clients} clients): p95",
                       value=r["p95"], unit="ms", baseline="target", baseline_value=TARGET_MS)


if __name__ == "__main__":
    main()
