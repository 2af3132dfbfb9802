"""The HTTP API end to end: a real `lifecycle serve` process on 127.0.0.1 (random port) per
store, driven with httpx. Each test uses holder numbers of its own on the shared store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from aggregates.fiscal_calendar import fiscal_year
from lifecycle.application import LifecycleApplication
from lifecycle.cli import main
from lifecycle.clock import today_in_tokyo
from lifecycle.settings import Settings
from projections import queries
from projections.database import read_engine

from ..conftest import PG_SERVER, _pg_connect, _require_postgres

ROOT = Path(__file__).resolve().parents[2]
READER = "reader-token-0123456789abcdef"
CLERK = "clerk-token-0123456789abcdef"
TOKENS = f"downstream:reader:{READER},desk:clerk:{CLERK}"
# `python -m lifecycle`, with `serve` registered on the group if the composition root does
# not register it itself.
BOOT = ("from lifecycle.cli import main; from lifecycle.cli import serve as cli_serve; "
        "'serve' in main.commands or cli_serve.register(main); main(prog_name='lifecycle')")
READY_POLLS = 300  # x 0.1 s: a server that is not up in 30 s has failed


def experience(until: int) -> list[dict]:
    """Eight years ending with `until`: six in field 6, two in field 1 (eligible for CAP)."""
    signer = {"name": "上司 監督", "organization": "A", "signed_on": f"{until}-12-20"}
    return [{"organization": "A", "from": f"{until - 7}-01", "to": f"{until - 2}-12",
             "fields": [6], "supervisor": signer},
            {"organization": "A", "from": f"{until - 1}-01", "to": f"{until}-12",
             "fields": [1], "supervisor": signer}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`lifecycle --db URL serve --port N` in a subprocess, its output in a log file."""

    def __init__(self, db_url: str, log_path: Path):
        self.db_url = db_url
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.base = ""

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items()
               if k not in ("LIFECYCLE_READ_DATABASE_URL", "LIFECYCLE_API_TOKENS_FILE")}
        env.update(LIFECYCLE_API_TOKENS=TOKENS, LIFECYCLE_AUDIT_RATE="0",
                   LIFECYCLE_LOG_LEVEL="INFO", LIFECYCLE_LOG_FORMAT="json")
        for _attempt in range(3):  # the port may be taken between probe and bind
            port = _free_port()
            with self.log_path.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-c", BOOT, "--db", self.db_url, "serve", "--port",
                     str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            self.base = f"http://127.0.0.1:{port}"
            if self._ready():
                return
            self.stop()
        raise RuntimeError(f"the server did not start:\n{self.log_path.read_text()}")

    def _ready(self) -> bool:
        for _ in range(READY_POLLS):
            if self.process.poll() is not None:
                return False
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            try:  # a bounded pause that also returns at once if the process exits
                self.process.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path_factory):
    """An empty store per backend for the whole module (one server start per backend)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('api') / 'lifecycle.db'}"
        return
    _require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with _pg_connect() as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{PG_SERVER}?schema={schema}"
    with _pg_connect() as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="module")
def server(store, tmp_path_factory):
    server = Server(store, tmp_path_factory.mktemp("log") / "server.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(store, server):
    app = LifecycleApplication(Settings(database_url=store, audit_rate=Decimal("0")))
    yield app
    app.close()


def client(server: Server, token: str | None = READER) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=server.base, headers=headers, timeout=30)


def post(server: Server, commands) -> list[dict] | dict:
    with client(server, CLERK) as http:
        response = http.post("/commands", json=commands)
    assert response.status_code == 200, response.text
    return response.json()


def post_ok(server: Server, commands: list[dict]) -> list[dict]:
    results = post(server, commands)
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]]
    return results


def exam_pass(holder: str, qualification: str, number: str, issued_on: str,
              name: str = "今田 太郎") -> dict:
    return {"type": "record_exam_pass", "holder": holder, "qualification": qualification,
            "pass_number": number, "issued_on": issued_on, "name": name,
            "name_kana": "コンケンタロウ"}


def certified(holder: str, number: str, issued: date) -> list[dict]:
    """Exam pass, application, fee and certification: valid from the next 1 April."""
    filed, paid, decided = (issued + timedelta(days=d) for d in (70, 72, 100))
    return [
        exam_pass(holder, "CAP", number, issued.isoformat()),
        {"type": "file_application", "holder": holder, "qualification": "CAP",
         "on": filed.isoformat(), "experience": experience(issued.year - 1), "substitutions": [],
         "ethics_pledge_signed_on": filed.isoformat(), "pass_report_copy": True},
        {"type": "record_payment", "holder": holder, "purpose": "certification",
         "qualification": "CAP", "amount": 11000, "paid_on": paid.isoformat(),
         "payer_name": number[-4:] + "ｺﾝｹﾝﾀﾛｳ", "bank_reference": f"B-{number}"},
        {"type": "decide_application", "holder": holder, "qualification": "CAP",
         "on": decided.isoformat(), "decision": "certify"},
    ]


def cli_json(*args: str) -> dict:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- status and history ----------------------------------------------------------------


def lifecycle_of_holders(server: Server) -> None:
    renewing = certified("S01", "P26-000101", date(2026, 6, 15))
    number = post_ok(server, renewing)[-1]["events"][0]["data"]["certification_number"]
    payer = "".join(c for c in number if c.isdigit())[-4:] + "ｺﾝｹﾝﾀﾛｳ"
    post_ok(server, [
        {"type": "log_cpd", "holder": "S01", "entry_id": "a1", "category": "A", "field": 6,
         "activity_on": "2027-05-10", "hours": "30", "title": "t", "provider": "p",
         "on": "2027-05-11"},
        {"type": "log_cpd", "holder": "S01", "entry_id": "b1", "category": "B", "field": 4,
         "activity_on": "2028-05-10", "hours": "7.5", "title": "t", "provider": "p",
         "on": "2028-05-11"},
        {"type": "request_renewal", "holder": "S01", "qualification": "CAP",
         "on": "2030-01-10", "ethics_pledge_signed_on": "2030-01-10"},
        {"type": "record_payment", "holder": "S01", "purpose": "renewal",
         "qualification": "CAP", "amount": 11000, "paid_on": "2030-01-12",
         "payer_name": payer, "bank_reference": "B-S01-renewal"},
        {"type": "decide_renewal", "holder": "S01", "qualification": "CAP",
         "on": "2030-03-01", "decision": "renew"},
        *certified("S02", "P26-000102", date(2026, 6, 15)),
        exam_pass("S03", "OMP", "P26-000103", "2026-06-15"),
        exam_pass("S03", "SV", "P26-000104", "2026-07-01"),
        exam_pass("S04", "CAP", "P26-000105", "2026-06-15"),
        {"type": "file_application", "holder": "S04", "qualification": "CAP",
         "on": "2026-09-01", "experience": [], "substitutions": [],
         "ethics_pledge_signed_on": "2026-09-01", "pass_report_copy": True},
        {"type": "record_payment", "holder": "S04", "purpose": "certification",
         "qualification": "CAP", "amount": 11000, "paid_on": "2026-09-03",
         "payer_name": "0105ｺﾝｹﾝﾀﾛｳ", "bank_reference": "B-S04"},
        {"type": "decide_application", "holder": "S04", "qualification": "CAP",
         "on": "2026-10-01", "decision": "reject", "reasons": ["experience"]},
    ])


AS_OF = ["2026-07-01", "2027-06-01", "2030-01-15", "2030-03-15", "2030-04-02",
         "2033-05-01", None]


def test_status_and_history_are_the_objects_of_the_cli_and_the_application(server, app):
    lifecycle_of_holders(server)
    with client(server) as http:
        for holder in ("S01", "S02", "S03", "S04"):
            for as_of in AS_OF:
                response = http.get(f"/holders/{holder}/status",
                                    params={"as_of": as_of} if as_of else {})
                assert response.status_code == 200, response.text
                on = date.fromisoformat(as_of) if as_of else today_in_tokyo()
                expected = app.status(holder, on)
                assert response.json() == expected, (holder, as_of)
                assert cli_json("--db", server.db_url, "status", holder, "--json",
                                "--as-of", on.isoformat()) == expected
            history = http.get(f"/holders/{holder}/history").json()
            assert history == app.history(holder)
            assert history == cli_json("--db", server.db_url, "history", holder, "--json")
    statuses = {app.status("S01", date(2030, 1, 15))["qualifications"]["CAP"]["status"],
                app.status("S02", date(2030, 4, 2))["qualifications"]["CAP"]["status"],
                app.status("S04", date(2027, 6, 1))["qualifications"]["CAP"]["status"]}
    assert statuses == {"renewal_accepted", "lapsed", "rejected"}  # the scenario is rich


def test_status_known_at_shows_what_the_records_showed_then(server, app):
    post_ok(server, [exam_pass("K01", "CAP", "P26-000201", "2026-06-15")])
    before = app.history("K01")["events"][-1]["recorded_at"]
    post_ok(server, certified("K01", "P26-000201", date(2026, 6, 15))[1:])
    with client(server) as http:
        then = http.get("/holders/K01/status",
                        params={"as_of": "2027-06-01", "known_at": before}).json()
        now = http.get("/holders/K01/status", params={"as_of": "2027-06-01"}).json()
    assert then["qualifications"]["CAP"]["status"] == "passed"
    assert now["qualifications"]["CAP"]["status"] == "certified"
    assert then == app.status("K01", date(2027, 6, 1), known_at=datetime.fromisoformat(before))
    assert then == cli_json("--db", server.db_url, "status", "K01", "--json", "--as-of",
                            "2027-06-01", "--known-at", before)


def test_an_unknown_holder_is_unknown_holder_404(server):
    with client(server) as http:
        for path in ("/holders/NOBODY/status", "/holders/NOBODY/history"):
            response = http.get(path)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "UNKNOWN_HOLDER"


# -- access ----------------------------------------------------------------------------

READS = ["/holders/S01/status", "/holders/S01/history", "/credentials",
         "/windows?opens_from=2030-01-01&opens_to=2030-12-31", "/reports/fiscal-years/2029",
         "/events"]
PUBLIC = ["/verify/CAP-2027-99999", "/healthz"]
WRITE_BODY = exam_pass("AUTH01", "SV", "P26-000301", "2026-06-15")


def test_the_auth_matrix(server):
    post_ok(server, [exam_pass("S01", "SV", "P26-000300", "2026-06-15")])  # S01 exists
    cases = [(None, 401, 401), ("Bearer not-a-known-token-at-all", 401, 401),
             (f"Basic {READER}", 401, 401), (f"Bearer {READER}", 200, 403),
             (f"Bearer {CLERK}", 200, 200)]
    wrong = []
    with httpx.Client(base_url=server.base, timeout=30) as http:
        for authorization, read_status, write_status in cases:
            headers = {"Authorization": authorization} if authorization else {}
            answers = [(path, http.get(path, headers=headers), read_status)
                       for path in READS]
            answers += [(path, http.get(path, headers=headers), None) for path in PUBLIC]
            answers.append(("POST /commands", http.post("/commands", json=WRITE_BODY,
                                                        headers=headers), write_status))
            for path, response, expected in answers:
                if expected is None:  # public: the same answer whatever the token
                    expected = 404 if path.startswith("/verify") else 200
                if response.status_code != expected:
                    wrong.append((authorization, path, response.status_code, expected))
                if expected in (401, 403):
                    code = {401: "UNAUTHORIZED", 403: "FORBIDDEN"}[expected]
                    if response.json()["error"]["code"] != code:
                        wrong.append((authorization, path, response.json()))
                if expected == 401 and response.headers.get("www-authenticate") != "Bearer":
                    wrong.append((authorization, path, "no WWW-Authenticate: Bearer"))
    assert not wrong
    log = server.log()
    assert "/credentials" in log, "the access log is on at INFO: the check below means something"
    assert READER not in log and CLERK not in log


# -- commands --------------------------------------------------------------------------


def test_posted_commands_answer_the_spec_results_and_are_read_at_once(server, app):
    with client(server, CLERK) as http:
        first = http.post("/commands", json={**exam_pass("C01", "CAP", "P26-000401",
                                                         "2026-06-15"), "actor": "someone"})
        assert first.status_code == 200
        [event] = first.json()["events"]
        assert first.json()["ok"] is True and event["type"] == "ExamPassed"
        assert event["actor"] == "api:desk"  # the token's name, not the command's claim
        assert "x-read-models" not in first.headers  # caught up before answering
        assert event == app.history("C01")["events"][0]
        # read-your-writes: the read models already have the holder
        listed = http.get("/credentials", params={"limit": 500}).json()["items"]
        assert any(i["holder"] == "C01" for i in listed)
        health = http.get("/healthz").json()
        assert health["projection"]["lag"] == 0

        refusals = {
            "INVALID_INPUT": (400, {"type": "log_cpd", "holder": "C01"}),
            "UNKNOWN_HOLDER": (404, {"type": "withdraw_cpd", "holder": "NOBODY",
                                     "entry_id": "x", "reason": "r", "on": "2027-01-01"}),
            "DUPLICATE_PASS_NUMBER": (422, exam_pass("C02", "CAP", "P26-000401",
                                                     "2026-06-15")),
        }
        for code, (status, command) in refusals.items():
            response = http.post("/commands", json=command)
            assert response.status_code == status, response.text
            assert response.json() == {"ok": False, "error": response.json()["error"]}
            assert response.json()["error"]["code"] == code
        sweep = http.post("/commands", json={"type": "sweep", "as_of": "2030-01-01"})
        assert sweep.json()["error"]["code"] == "INVALID_INPUT"

        batch = http.post("/commands", json=[exam_pass("C03", "SV", "P26-000402",
                                                       "2026-06-15"), "not an object",
                                             {"type": "nonsense"}])
        assert batch.status_code == 200
        assert [r["ok"] for r in batch.json()] == [True, False, False]
        assert batch.json()[1]["error"]["code"] == "INVALID_INPUT"

        assert http.post("/commands", content=b"{oops").json()["error"]["code"] == \
            "INVALID_INPUT"
        too_many = http.post("/commands", json=[WRITE_BODY] * 501)
        assert too_many.status_code == 400
    with pytest.raises(Exception, match="UNKNOWN_HOLDER"):
        app.history("C02")  # a refused command records nothing


BAD_PARAMETERS = [
    "/holders/S01/status?as_of=2027-13-01", "/holders/S01/status?as_of=9999-12-31",
    "/holders/S01/status?known_at=yesterday", "/credentials?limit=0",
    "/credentials?limit=501", "/credentials?cursor=not-a-cursor",
    "/credentials?cursor=WzFd", "/credentials?qualification=XX", "/credentials?status=nope",
    "/credentials?expiring_fiscal_year=abc", "/events?after=-1", "/windows?opens_from=x",
    "/reports/fiscal-years/0",
]


def test_bad_query_parameters_are_invalid_input_400(server):
    with client(server) as http:
        for path in BAD_PARAMETERS:
            response = http.get(path)
            assert response.status_code == 400, (path, response.text)
            assert response.json()["error"]["code"] == "INVALID_INPUT", path


# -- paging ----------------------------------------------------------------------------


def all_pages(http: httpx.Client, path: str, params: dict) -> list[dict]:
    items, cursor = [], None
    while True:
        page = http.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def key(item: dict) -> tuple[str, str]:
    return item["holder"], item["qualification"]


def test_paging_while_commands_are_posted_loses_or_repeats_no_row(server):
    post_ok(server, [exam_pass(f"PG-M{n:03d}", "CAP" if n % 3 else "SV", f"P27-{n:06d}",
                               "2026-06-15") for n in range(60)])
    stop, batches = threading.Event(), []

    def writer() -> None:  # a second clerk posting all along, racing the pages
        while not stop.is_set():
            n = len(batches)
            post_ok(server, [exam_pass(f"PG-T{n:03d}{k}", "SV", f"P35-{n:05d}{k}",
                                       "2026-06-15") for k in range(3)])
            batches.append(n)

    with client(server) as http:
        before = {key(i) for i in all_pages(http, "/credentials", {"limit": 500})}
        racing = threading.Thread(target=writer)
        racing.start()
        seen: list[tuple[str, str]] = []
        cursor, page_no = None, 0
        while True:
            params = {"limit": 7, **({"cursor": cursor} if cursor else {})}
            page = http.get("/credentials", params=params).json()
            seen += [key(i) for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            # Between two pages: new rows before the cursor (an offset would now repeat
            # rows), after it, and a new qualification for a holder already passed.
            page_no += 1
            post_ok(server, [
                exam_pass(f"PG-A{page_no:03d}", "SV", f"P28-{page_no:06d}", "2026-06-15"),
                exam_pass(f"PG-Z{page_no:03d}", "SV", f"P29-{page_no:06d}", "2026-06-15"),
                exam_pass(f"PG-M{page_no % 60:03d}", "OP", f"P30-{page_no:06d}",
                          "2026-06-15"),
            ])
        stop.set()
        racing.join()
    assert page_no > 5 and batches
    assert len(seen) == len(set(seen)), "a row came twice"
    assert before <= set(seen), f"rows lost: {sorted(before - set(seen))[:5]}"
    assert {("PG-Z001", "SV")} <= set(seen)  # a row written ahead of the cursor shows up


def test_credentials_expiring_in_a_fiscal_year_page_through_to_the_same_rows(server):
    for n, issued in enumerate(("2026-06-15", "2027-06-15", "2026-03-31")):
        post_ok(server, certified(f"EX{n}", f"P31-{n:06d}", date.fromisoformat(issued)))
    with client(server) as http:
        every = all_pages(http, "/credentials", {"limit": 500, "as_of": "2027-06-01"})
        expected = [key(i) for i in every
                    if i["valid_until"] and "2029-04-01" <= i["valid_until"] <= "2030-03-31"]
        for limit in (1, 2, 500):
            found = all_pages(http, "/credentials", {"limit": limit, "as_of": "2027-06-01",
                                                     "expiring_fiscal_year": 2029})
            assert [key(i) for i in found] == expected
    assert ("EX0", "CAP") in expected and ("EX2", "CAP") not in expected


def test_windows_and_reports_are_the_query_modules_answers(server):
    post_ok(server, certified("W01", "P32-000001", date(2026, 6, 15)))
    settings = Settings(database_url=server.db_url)
    engine = read_engine(settings.sqlalchemy_url(), settings.schema)
    try:
        with client(server) as http:
            windows = all_pages(http, "/windows", {"opens_from": "2030-01-01",
                                                   "opens_to": "2030-01-31",
                                                   "as_of": "2030-01-15", "limit": 2})
            report = http.get("/reports/fiscal-years/2029", params={"as_of": "2030-01-15"})
        expected = queries.windows(engine, opens_from=date(2030, 1, 1),
                                   opens_to=date(2030, 1, 31), as_of=date(2030, 1, 15),
                                   limit=500)
        assert windows == expected.items and any(w["holder"] == "W01" for w in windows)
        from projections.report import fiscal_year_report

        assert report.json() == fiscal_year_report(engine, 2029, date(2030, 1, 15))
    finally:
        engine.dispose()


# -- the event feed --------------------------------------------------------------------


def test_the_event_feed_is_every_holder_event_in_order_and_resumes(server, app):
    post_ok(server, [*certified("E01", "P33-000001", date(2026, 6, 15)),
                     exam_pass("E02", "SV", "P33-000002", "2026-06-15")])
    with client(server) as http:
        feed, after = [], 0
        while True:
            page = http.get("/events", params={"after": after, "limit": 3}).json()
            if not page["items"]:
                assert page["next_after"] == after
                break
            feed += page["items"]
            after = page["next_after"]
            assert after == page["items"][-1]["position"]
        positions = [item["position"] for item in feed]
        assert positions == sorted(set(positions))
        for holder in ("E01", "E02"):
            mine = [{k: v for k, v in item.items() if k not in ("position", "holder")}
                    for item in feed if item["holder"] == holder]
            assert mine == app.history(holder)["events"]
        holders = {item["holder"] for item in feed}
        assert sum(len(app.history(h)["events"]) for h in holders) == len(feed)

        post_ok(server, [exam_pass("E02", "OP", "P33-000003", "2026-07-01")])
        [new] = http.get("/events", params={"after": after}).json()["items"]
        assert (new["holder"], new["type"], new["position"] > after) == \
            ("E02", "ExamPassed", True)


# -- public ----------------------------------------------------------------------------


def test_verify_shows_the_period_status_and_family_name_only(server):
    today = today_in_tokyo()
    issued = date(fiscal_year(today) - 1, 6, 15)  # a period that started this fiscal year
    current = post_ok(server, certified("V01", "P34-000001", issued))
    lapsed = post_ok(server, certified("V02", "P34-000002", date(2015, 6, 15)))
    number = current[-1]["events"][0]["data"]["certification_number"]
    old_number = lapsed[-1]["events"][0]["data"]["certification_number"]
    with httpx.Client(base_url=server.base, timeout=30) as http:  # no token
        found = http.get(f"/verify/{number}")
        old = http.get(f"/verify/{old_number}").json()
        unknown = http.get(f"/verify/{number[:-5]}99999")
        garbage = http.get("/verify/not-a-number")
    assert found.status_code == 200
    assert found.json() == {
        "certification_number": number, "qualification": "CAP", "status": "certified",
        "valid_from": f"{fiscal_year(today)}-04-01",
        "valid_until": f"{fiscal_year(today) + 3}-03-31", "name": "今田 *",
        "as_of": today.isoformat()}
    assert "V01" not in found.text and "太郎" not in found.text
    assert (old["status"], old["valid_until"]) == ("lapsed", "2019-03-31")
    for response in (unknown, garbage):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_CERTIFIED"


def test_healthz_reports_both_databases_and_the_projection_lag(server, app):
    with httpx.Client(base_url=server.base, timeout=30) as http:
        health = http.get("/healthz").json()
    assert health["status"] == "ok" and health["database"] == "ok"
    projection = health["projection"]
    assert projection["head"] == (app.recorder.max_notification_id() or 0)
    assert projection["lag"] == projection["head"] - projection["position"] >= 0
