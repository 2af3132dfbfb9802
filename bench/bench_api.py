"""HTTP API throughput and latency: GET /holders/{h}/status and GET /verify/{number} with
50 concurrent clients on a store of N holders.

    python bench/bench_api.py --holders 1000000 --backend sqlite --backend postgres
    python bench/bench_api.py --quick --store sqlite     # 2,000 holders, 3 s a row

The population is written straight through the domain (Holder methods, thousands of
holders per save) rather than one command per save: every 5th holder is certified (exam
pass, application, fee, certification: a real certification number), the others have an
exam pass. The pass-number and bank-reference registers are left out (no read touches
them). A populated store is reused by later runs (same --holders, --workdir).

Each measurement runs a real `lifecycle serve` process (--workers N processes). Two loads,
50 keep-alive connections each; latency is the full HTTP round trip:
  - saturated: each client sends its next request as soon as the last one is answered
    (closed loop): the most requests per second, and the latency at that rate. Generated
    by `wrk -t2 -c50` (C, a Lua script picks random paths) when wrk is installed
    (`apt-get install wrk`), so that the load generator takes little of the 2 cores the
    server needs; else (or with --python-client) by the asyncio client below;
  - paced: the same 50 clients at a fixed total rate (open loop, --paced-rate), latency
    counted from each request's scheduled send: the latency an ordinary load sees.
    Always the asyncio client (wrk has no fixed rate).
The table says which generator produced each row.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aggregates import registers  # noqa: E402
from aggregates.holder import Holder  # noqa: E402
from bench import options  # noqa: E402
from lifecycle.application import LifecycleApplication  # noqa: E402
from lifecycle.bootstrap import open_application  # noqa: E402
from lifecycle.commands import parse_command  # noqa: E402
from lifecycle.settings import Settings  # noqa: E402

TOKEN = "bench-reader-token-0123456789"
BOOT = ("from lifecycle.cli import main; from lifecycle.cli import serve as cli_serve; "
        "'serve' in main.commands or cli_serve.register(main); main(prog_name='lifecycle')")
PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CERTIFIED_EVERY = 5
YEARS = 7  # pass reports issued 2020 .. 2026, so periods start 2021 .. 2027
PER_SAVE = 2000


def number(i: int) -> str:
    return f"B{i:07d}"


def certification_number(i: int) -> str:
    """The number holder i gets: certified holders are allotted in order, per fiscal year."""
    k = i // CERTIFIED_EVERY
    return registers.certification_number("CAP", 2021 + k % YEARS, k // YEARS + 1)


def _commands(i: int) -> list[dict]:
    year = 2020 + (i // CERTIFIED_EVERY) % YEARS
    holder, pass_number = number(i), f"P{i:07d}"
    signer = {"name": "S", "organization": "A", "signed_on": "2019-12-20"}
    return [
        {"type": "file_application", "holder": holder, "qualification": "CAP",
         "on": f"{year}-08-24", "experience": [
             {"organization": "A", "from": "2012-01", "to": "2017-12", "fields": [6],
              "supervisor": signer},
             {"organization": "A", "from": "2018-01", "to": "2019-12", "fields": [1],
              "supervisor": signer}],
         "substitutions": [], "ethics_pledge_signed_on": f"{year}-08-24",
         "pass_report_copy": True},
        {"type": "record_payment", "holder": holder, "purpose": "certification",
         "qualification": "CAP", "amount": 11000, "paid_on": f"{year}-08-26",
         "payer_name": pass_number[-4:] + "ｶﾅ", "bank_reference": f"R{i}"},
        {"type": "decide_application", "holder": holder, "qualification": "CAP",
         "on": f"{year}-09-23", "decision": "certify"},
    ]


def _holder_events(app: LifecycleApplication, i: int) -> list:
    certified = i % CERTIFIED_EVERY == 0
    year = 2020 + (i // CERTIFIED_EVERY) % YEARS if certified else 2020 + i % YEARS
    holder = Holder.register(number(i), name=f"試験 {i}", name_kana="カナ", email=None,
                             qualification="CAP", pass_number=f"P{i:07d}",
                             issued_on=date(year, 6, 15), actor="bench")
    staged = []
    if certified:
        today = date(2030, 1, 1)
        filing, payment, decision = (parse_command(c, today) for c in _commands(i))
        holder.file_application(actor="bench", **filing.args())
        holder.record_payment(actor="bench", audit=app.audit, **payment.args())

        def allot(qualification: str, fiscal_year: int) -> str:
            issued = certification_number(i)
            sequence = int(issued.rsplit("-", 1)[1])
            staged.append(registers.CertificationNumberIssued(
                originator_id=registers.certification_numbers_id(qualification, fiscal_year),
                originator_version=sequence,
                timestamp=registers.CertificationNumberIssued.create_timestamp(),
                holder=number(i), certification_number=issued))
            return issued

        holder.decide_application(actor="bench", allot_number=allot, **decision.args())
    return [*holder.collect_events(), *staged]


def populate(url: str, holders: int) -> None:
    app = open_application(Settings(database_url=url, audit_rate=Decimal("0"),
                                        snapshot_interval=0, aggregate_cache_size=0))
    try:
        if app.recorder.max_notification_id():
            print(f"  reusing the population of {url}", flush=True)
        else:
            _write(app, holders)
    finally:
        app.close()
    if url.startswith("postgresql"):
        vacuum(url)


def _write(app: LifecycleApplication, holders: int) -> None:
    started = time.perf_counter()
    for first in range(0, holders, PER_SAVE):
        events = [e for i in range(first, min(first + PER_SAVE, holders))
                  for e in _holder_events(app, i)]
        app.save(*events)
        if (first // PER_SAVE) % 50 == 0:
            rate = (first + PER_SAVE) / (time.perf_counter() - started)
            print(f"  {first + PER_SAVE:,} holders, {rate:,.0f} holders/s", flush=True)
    print(f"  populated {holders:,} holders in {time.perf_counter() - started:,.0f} s",
          flush=True)


def vacuum(url: str) -> None:
    """The bulk-loaded table as a long-lived one is: planner statistics, and hint bits and
    the visibility map set (else the first read of each page after the load writes it)."""
    import psycopg

    schema = url.split("schema=", 1)[1]
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as c:
        c.execute(f'VACUUM (ANALYZE) "{schema}".lifecycle_events')


# -- the server --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, workers: int = 1) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "LIFECYCLE_API_TOKENS": f"bench:reader:{TOKEN}",
           "LIFECYCLE_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-c", BOOT, "--db", url, "serve", "--port",
                                str(port), "--workers", str(workers)], cwd=ROOT, env=env)
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            status, _ = asyncio.run(_one(port, "/healthz"))
            if status == 200:
                return process, port
        except OSError:
            pass
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
    process.kill()
    raise RuntimeError("the server did not answer /healthz in 60 s")


# -- a minimal HTTP/1.1 keep-alive client -------------------------------------------------


class Connection:
    def __init__(self, port: int):
        self.port = port

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def get(self, path: str) -> tuple[int, bytes]:
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          f"Authorization: Bearer {TOKEN}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length = next(int(line.split(":", 1)[1]) for line in lines
                      if line.lower().startswith("content-length:"))
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def _one(port: int, path: str) -> tuple[int, bytes]:
    connection = Connection(port)
    await connection.open()
    try:
        return await connection.get(path)
    finally:
        connection.close()


async def _load(port: int, paths, clients: int, seconds: float, rate: float | None):
    """Latencies (s) of requests sent by `clients` connections for `seconds`; with `rate`,
    each client sends on a fixed schedule (rate / clients per second)."""
    connections = [Connection(port) for _ in range(clients)]
    await asyncio.gather(*(c.open() for c in connections))
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(connection: Connection, k: int) -> None:
        nonlocal errors
        interval = clients / rate if rate else 0.0
        due = time.perf_counter() + (interval * k / clients)
        while True:
            if rate:
                pause = due - time.perf_counter()
                if pause > 0:
                    await asyncio.sleep(pause)  # the schedule, not a timing guess
                due += interval
            sent = time.perf_counter()
            if sent >= deadline:
                return
            status, _body = await connection.get(next(paths))
            if status != 200:
                errors += 1
            # measured from the scheduled send when paced, so queueing is not hidden
            latencies.append(time.perf_counter() - (due - interval if rate else sent))

    await asyncio.gather(*(client(c, k) for k, c in enumerate(connections)))
    for c in connections:
        c.close()
    return latencies, errors


def measure(port: int, paths, clients: int, seconds: float, rate: float | None) -> dict:
    asyncio.run(_load(port, paths, clients, min(2.0, seconds), rate))  # warm-up
    latencies, errors = asyncio.run(_load(port, paths, clients, seconds, rate))
    latencies.sort()
    return {"requests": len(latencies), "rps": len(latencies) / seconds, "errors": errors,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000, "generator": "python"}


# -- wrk: the saturated load from C -------------------------------------------------------

WRK_SCRIPT = """
local holders, kind, counter = %(holders)d, "%(kind)s", 0
function setup(thread) counter = counter + 1; thread:set("seed", counter) end
function init(args) math.randomseed(seed * 7919 + %(salt)d) end
wrk.headers["Authorization"] = "Bearer %(token)s"
function request()
  if kind == "status" then
    return wrk.format("GET", string.format("/holders/B%%07d/status",
                                           math.random(0, holders - 1)))
  end
  -- certification_number(): holder k * %(every)d, numbered in fiscal year 2021 + k %% 7
  local k = math.random(0, math.floor((holders + %(every)d - 1) / %(every)d) - 1)
  return wrk.format("GET", string.format("/verify/CAP-%%d-%%05d", 2021 + k %% %(years)d,
                                         math.floor(k / %(years)d) + 1))
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d seconds=%%.3f p50=%%.3f p99=%%.3f errors=%%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def wrk_measure(port: int, kind: str, holders: int, clients: int, seconds: float) -> dict:
    """`wrk -t2 -c<clients>`: closed loop, random paths from a Lua script."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"holders": holders, "kind": kind, "token": TOKEN,
                                   "every": CERTIFIED_EVERY, "years": YEARS,
                                   "salt": 1 if kind == "status" else 2})
    try:
        def run(duration: float) -> str:
            return subprocess.run(
                ["wrk", "-t2", f"-c{clients}", f"-d{duration:g}s", "--timeout", "10s",
                 "-s", script.name, f"http://127.0.0.1:{port}"],
                check=True, capture_output=True, text=True).stdout

        run(min(2.0, seconds))  # warm-up
        found = re.search(r"RESULT requests=(\d+) seconds=([\d.]+) p50=([\d.]+) "
                          r"p99=([\d.]+) errors=(\d+)", run(seconds))
    finally:
        os.unlink(script.name)
    if found is None:
        raise RuntimeError("wrk printed no RESULT line")
    requests, duration, p50, p99, errors = found.groups()
    return {"requests": int(requests), "rps": int(requests) / float(duration),
            "errors": int(errors), "p50": float(p50), "p99": float(p99), "generator": "wrk"}


def status_paths(holders: int):
    rng = random.Random(1)
    while True:
        yield f"/holders/{number(rng.randrange(holders))}/status"


def verify_paths(holders: int):
    rng = random.Random(2)
    certified = (holders + CERTIFIED_EVERY - 1) // CERTIFIED_EVERY
    while True:
        yield f"/verify/{certification_number(rng.randrange(certified) * CERTIFIED_EVERY)}"


def store_url(backend: str, holders: int, workdir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{workdir / f'api-{holders}.db'}"
    import psycopg

    schema = f"bench_api_{holders}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=test", autocommit=True) as c:
        c.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return f"{PG}?schema={schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--holders", type=int, default=1_000_000)
    parser.add_argument("--backend", "--store", dest="backend", action="append",
                        choices=["sqlite", "postgres"])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--paced-rate", type=float, default=200.0,
                        help="Total requests/s of the paced load.")
    parser.add_argument("--workers", type=int, action="append",
                        help="Server processes (repeat to compare); default 1.")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-api"))
    parser.add_argument("--python-client", action="store_true",
                        help="Saturate with the asyncio client even when wrk is installed.")
    options.add_common(parser, quick={"holders": 2_000, "seconds": 3.0})
    args = parser.parse_args()
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for backend in args.backend or ["sqlite"]:
        url = store_url(backend, args.holders, args.workdir)
        print(f"{backend}: {args.holders:,} holders", flush=True)
        populate(url, args.holders)
        for workers in args.workers or [1]:
            process, port = start_server(url, workers)
            try:
                for name, paths in (("status", status_paths), ("verify", verify_paths)):
                    for load, rate in (("saturated", None), ("paced", args.paced_rate)):
                        if use_wrk and rate is None:
                            result = wrk_measure(port, name, args.holders, args.clients,
                                                 args.seconds)
                        else:
                            result = measure(port, paths(args.holders), args.clients,
                                             args.seconds, rate)
                        rows.append((backend, workers, name, load, result))
                        print(f"  {workers} worker(s) {name} {load} ({result['generator']}): "
                              f"{result['rps']:,.0f} req/s, p50 {result['p50']:.1f} ms, "
                              f"p99 {result['p99']:.1f} ms, {result['errors']} errors",
                              flush=True)
            finally:
                process.terminate()
                process.wait()
    print(f"\n{args.holders:,} holders, {args.clients} clients, {args.seconds:g} s per row\n"
          "| backend | workers | endpoint | load | load generator | requests/s | p50 ms "
          "| p99 ms | errors |\n|---|---|---|---|---|---|---|---|---|")
    for backend, workers, name, load, r in rows:
        print(f"| {backend} | {workers} | {name} | {load} | {r['generator']} | "
              f"{r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} |")
        options.record(args.summary, store=backend, size=f"{args.holders:,} holders",
                       figure=f"{name}, {load} ({r['rps']:,.0f} req/s, {args.clients} "
                       f"clients, {workers} worker{'s' if workers > 1 else ''}): p99",
                       value=r["p99"], unit="ms", baseline="target", baseline_value=20)


if __name__ == "__main__":
    main()
