"""`lifecycle serve` across a PostgreSQL crash (a cluster of the test's own): while the
database is down every route that needs it answers 503 UNAVAILABLE at once (never a 500,
never a hung request), a write says whether it was recorded, and once the database is back
the very first request of each kind succeeds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from lifecycle.application import LifecycleApplication
from lifecycle.clock import today_in_tokyo
from lifecycle.settings import Settings

pytestmark = pytest.mark.faults

TOKEN = "desk:clerk:" + "c" * 32
HEADERS = {"Authorization": "Bearer " + "c" * 32}
# A request that takes longer than this has hung: with the database gone it must answer
# at once, and never wait for connection or statement timeouts to run out.
HUNG = 4.0
READS = ["/holders/H0001/status", "/holders/H0001/history", "/credentials", "/events",
         "/windows?opens_from=2026-01-01&opens_to=2027-12-31", "/verify/CAP-2026-00001",
         "/healthz", "/reports/fiscal-years/2026"]


def _pass(n: int) -> dict:
    return {"type": "record_exam_pass", "holder": f"H{n:04d}", "qualification": "CAP",
            "pass_number": f"P26-{n:06d}", "issued_on": "2026-06-15", "name": "試験 花子",
            "name_kana": "シケン ハナコ", "email": f"h{n}@example.jp"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(cluster):
    app = LifecycleApplication(Settings(database_url=cluster.url))
    try:
        assert app.execute(_pass(1), actor="test", today=today_in_tokyo())["ok"]
    finally:
        app.close()
    port = _free_port()
    env = {**os.environ, "LIFECYCLE_API_TOKENS": TOKEN, "LIFECYCLE_LOG_FORMAT": "json",
           "LIFECYCLE_LOG_LEVEL": "INFO"}
    process = subprocess.Popen(
        [sys.executable, "-m", "lifecycle", "--db", cluster.url, "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=HEADERS, timeout=HUNG)
    end = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stderr.read()
        try:
            if client.get("/healthz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < end, "the server did not start"
        time.sleep(0.05)  # polling for the server to listen, not timing anything
    yield client, process
    client.close()
    process.terminate()
    log = process.communicate(timeout=30)[1]
    assert "api.crashed" not in log and "Traceback" not in log, log


def _unavailable(response: httpx.Response) -> str:
    assert response.status_code == 503, (response.request.url, response.text)
    error = response.json()["error"]
    assert error["code"] == "UNAVAILABLE"
    return error["message"]


def test_serve_answers_503_during_an_outage_and_recovers_at_the_first_request(
        cluster, server):
    client, process = server
    for path in READS:
        assert client.get(path).status_code in (200, 404), path
    cluster.crash()
    for _round in range(3):  # the first requests find dead connections, the later none
        for path in READS:
            _unavailable(client.get(path))
        message = _unavailable(client.post("/commands", json=_pass(2)))
        assert "recorded" in message
    assert process.poll() is None
    cluster.start()
    for path in READS:  # the first request of each kind after the restart
        assert client.get(path).status_code in (200, 404), path
    posted = client.post("/commands", json=_pass(3))
    assert posted.status_code == 200, posted.text
    status = client.get("/holders/H0003/status")
    assert status.status_code == 200 and status.json()["holder"] == "H0003"


def test_a_restart_between_requests_costs_no_request_an_error(cluster, server):
    """The database restarted while the server was idle: its pooled connections are dead,
    and the first read of each kind still gets its answer."""
    client, _process = server
    for path in READS:
        assert client.get(path).status_code in (200, 404), path
    cluster.crash()
    cluster.start()
    for path in READS:
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.text)
