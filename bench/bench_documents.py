"""Documents and mail: certificates rendered to PDF (pages per second, peak memory) and the
relay's messages per second against a local SMTP server.

    python bench/bench_documents.py            # 10,000 certificates, 2,000 messages
    python bench/bench_documents.py --quick    # 500 certificates, 200 messages

Certificates: synthetic `Certificate` values (reading them from the read models is one
indexed query per 1,000 and not what costs), rendered by `render_certificate` one PDF each
(the `-o DIR/` batch) and by `render_certificates` as one merged PDF (laid out 100 pages
per document and joined), each mode in a fresh child process whose peak RSS (VmHWM) is reported.

Relay: a fresh SQLite read database holding M holders and one `certified` notice each
(rows inserted directly), sent by `lifecycle.mail.relay.run` through the SMTP adapter to
aiosmtpd's Sink handler running in another process on 127.0.0.1: claim, render, send and
mark per message, one SMTP session for the pass.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BODY = "一般社団法人 日本コンタクトセンター教育検定協会"
NAMES = ["今田 太郎", "鈴木 花子", "佐藤 一郎", "一本 京子", "山田 次郎"]


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def certificates(count: int):
    from lifecycle.documents.certificates import Certificate

    for i in range(count):
        renewal = i % 3 == 0
        yield Certificate(f"H{i:06d}", NAMES[i % 5], "コンケンタロウ", ("CAP", "OMP")[i % 2],
                          f"{('CAP', 'OMP')[i % 2]}-2027-{i + 1:05d}", int(renewal),
                          date(2030 if renewal else 2027, 4, 1),
                          date(2033 if renewal else 2030, 3, 31),
                          date(2030, 4, 1) if renewal else date(2026, 10, 1))


def child_certificates(mode: str, count: int) -> dict:
    from lifecycle.documents.certificates import render_certificate, render_certificates

    out = Path(tempfile.mkdtemp(prefix="bench-certs-"))
    started = time.perf_counter()
    size = 0
    if mode == "single":
        for c in certificates(count):
            data = render_certificate(c, body_name=BODY)
            (out / c.file_name).write_bytes(data)
            size += len(data)
    else:
        data = render_certificates(certificates(count), body_name=BODY)
        (out / "all.pdf").write_bytes(data)
        size = len(data)
    seconds = time.perf_counter() - started
    return {"mode": mode, "certificates": count, "seconds": round(seconds, 1),
            "pages_per_s": round(count / seconds, 1), "peak_rss_mb": round(peak_rss_mb()),
            "bytes_per_page": size // count}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def relay(messages: int) -> dict:
    from sqlalchemy import insert

    from lifecycle.mail import relay as mail_relay
    from lifecycle.mail.smtp import SmtpMailer
    from lifecycle.settings import SmtpSettings
    from projections import outbox_tables as outbox
    from projections.database import create_tables, read_engine
    from projections.tables import holders

    folder = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    engine = read_engine(f"sqlite:///{folder / 'read.db'}")
    create_tables(engine)
    outbox.ensure_tables(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(holders), [
            {"holder_number": f"H{i:06d}", "aggregate_id": uuid.uuid4().hex,
             "name": NAMES[i % 5], "name_kana": "コンケンタロウ",
             "email": f"holder{i}@example.jp", "version": 1, "position": i}
            for i in range(messages)])
        conn.execute(insert(outbox.outbox), [
            {"holder_number": f"H{i:06d}", "qualification": "CAP", "kind": "certified",
             "due_on": date(2026, 10, 1), "created_at": now,
             "details": json.dumps({"certification_number": f"CAP-2027-{i + 1:05d}",
                                    "valid_from": "2027-04-01", "valid_until": "2030-03-31"})}
            for i in range(messages)])
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-c",
                               "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"])
    try:
        for _ in range(100):  # wait for the server to listen (startup, not measured)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        head = mail_relay.Letterhead("協会事務局 <office@example.jp>", BODY)
        settings = SmtpSettings(host="127.0.0.1", port=port, security="none")
        started = time.perf_counter()
        with SmtpMailer(settings) as mailer:
            report = mail_relay.run(engine, mailer, head, now=now, today=date(2026, 10, 2))
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait()
    return {"messages": messages, "outcomes": dict(report.outcomes),
            "seconds": round(seconds, 2), "messages_per_s": round(messages / seconds, 1)}


def main() -> None:
    from lifecycle import logs

    logs.configure(level="WARNING", fmt="json")
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite",
                        help="rendering and the relay do not depend on it: SQLite only")
    parser.add_argument("--summary", type=Path, help="append headline figures (JSON lines)")
    parser.add_argument("--certificates", type=int)
    parser.add_argument("--messages", type=int)
    parser.add_argument("--only", choices=["certificates", "relay"])
    parser.add_argument("--child", choices=["single", "merged"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.store == "postgres":
        print("bench_documents: rendering and the relay do not depend on the store; "
              "measured on SQLite only")
        return
    count = args.certificates or (500 if args.quick else 10_000)
    if args.child:
        print(json.dumps(child_certificates(args.child, count)))
        return
    results = []
    for mode in ("single", "merged") if args.only != "relay" else ():
        done = subprocess.run([sys.executable, __file__, "--child", mode, "--certificates",
                               str(count)], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    if args.only != "certificates":
        print(json.dumps({"relay": relay(args.messages or (200 if args.quick else 2_000))},
                         ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
