"""The API's fast reads, held to the application's answers on both stores.

- lifecycle.store.reads loads a holder in one statement (latest snapshot + the events
  after it): the same holder as the library's repository, with and without snapshots.
- lifecycle.http.status answers exactly `LifecycleApplication.status` (the CLI's), for any
  as-of date and known-at moment; lifecycle.http.verify answers as it did through the
  repository.
- lifecycle.http.hot_paths answers the two hot GETs before FastAPI: byte for byte what the
  routes answer, and everything unusual is left to the routes.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from aggregates.errors import DomainError
from aggregates.events import fold
from aggregates.holder import holder_id
from aggregates.status import certification_state
from lifecycle.http import create_app
from lifecycle.http.auth import Tokens, parse_entries
from lifecycle.http.status import status
from lifecycle.http.verify import mask_name, verification
from lifecycle.settings import Settings
from lifecycle.store.reads import StoreReads

from .test_api_http import certified, exam_pass

TODAY = date(2030, 1, 20)
READER = "reader-token-for-fast-reads-01"
SNAPSHOT_EVERY = 3  # R01's 13 events make snapshots at versions 3, 6, 9 and 12


def _cpd(holder: str, n: int, on: str) -> dict:
    return {"type": "log_cpd", "holder": holder, "entry_id": f"e{n}", "category": "A",
            "field": 6, "activity_on": on, "hours": "2", "title": "t", "provider": "p",
            "on": on}


def _commands() -> list[dict]:
    cpd = [_cpd("R01", n, f"2027-{n + 3:02d}-10") for n in range(1, 10)]
    return [
        *certified("R01", "P26-000301", date(2026, 6, 15)), *cpd,
        *certified("R02", "P26-000302", date(2026, 6, 15)),
        exam_pass("R03", "CAP", "P26-000303", "2026-06-15"),
        # Dated after TODAY: R04's state today is a fold of its earlier events.
        *certified("R04", "P26-000304", date(2028, 6, 15)),
        _cpd("R04", 1, "2030-01-25"),
    ]


@pytest.fixture
def store(db_url):
    settings = Settings(database_url=db_url, audit_rate=Decimal("0"),
                        snapshot_interval=SNAPSHOT_EVERY)
    app = create_app(settings, tokens=Tokens(parse_entries(f"r:reader:{READER}", "test")),
                     today=lambda: TODAY)
    services = app.state.services
    for command in _commands():
        result = services.app.execute(command, actor="test", today=date(2030, 2, 1))
        assert result["ok"], (command, result)
    yield app, services
    services.close()


def test_a_holder_loads_as_the_repository_loads_it(store):
    _app, services = store
    assert services.app.snapshots is not None
    for number in ("R01", "R02", "R03", "R04"):
        expected = services.app.repository.get(holder_id(number))
        loaded = services.reads.holder(number)
        assert (loaded.holder.version, loaded.holder.state) == (expected.version,
                                                                expected.state)
        # all the events come along only when the read started from the first one
        assert (loaded.events is None) == (expected.version >= SNAPSHOT_EVERY)
    assert services.reads.holder("NOBODY") is None


@pytest.mark.parametrize("as_of", ["2026-07-01", "2027-03-15", "2027-06-01", "2029-12-31",
                                   "2030-01-20", "2030-01-25", "2031-01-01"])
def test_status_is_the_applications_status(store, as_of):
    _app, services = store
    on = date.fromisoformat(as_of)
    for number in ("R01", "R02", "R03", "R04"):
        assert status(services.reads, number, on) == services.app.status(number, on)


def test_status_known_at_is_the_applications_too(store):
    _app, services = store
    events = services.app.history("R01")["events"]
    on = date(2027, 12, 1)
    for event in (events[0], events[3], events[8], events[-1]):
        moment = datetime.fromisoformat(event["recorded_at"])
        assert (status(services.reads, "R01", on, known_at=moment)
                == services.app.status("R01", on, known_at=moment))
    before = datetime.fromisoformat(events[0]["recorded_at"]) - timedelta(seconds=1)
    for reader in (lambda: status(services.reads, "R01", on, known_at=before),
                   lambda: services.app.status("R01", on, known_at=before)):
        with pytest.raises(DomainError) as raised:
            reader()
        assert raised.value.code == "UNKNOWN_HOLDER"
        assert "there was no holder R01 on record" in raised.value.message


def test_an_unknown_holder_is_refused_with_the_applications_message(store):
    _app, services = store
    with pytest.raises(DomainError) as ours:
        status(services.reads, "NOBODY", TODAY)
    with pytest.raises(DomainError) as theirs:
        services.app.status("NOBODY", TODAY)
    assert (ours.value.code, ours.value.message) == (theirs.value.code, theirs.value.message)


def verification_through_the_repository(app, number: str, today: date) -> dict:
    """What /verify answered before store_reads: repository.get, then a fold if needed."""
    code = number.split("-")[0]
    holder_number = next(h for h in ("R01", "R02", "R04")
                         if number in numbers_of(app, h))
    holder = app.repository.get(holder_id(holder_number))
    state = holder.state
    if state.last_business_date > today:
        state = fold(app.events.get(holder.id), today)
    cert = next(c for c in state.qualifications[code].certifications if c.number == number)
    period = cert.period_shown_on(today)
    return {"certification_number": number, "qualification": code,
            "status": certification_state(cert, today),
            "valid_from": period.valid_from.isoformat(),
            "valid_until": period.valid_until.isoformat(),
            "name": mask_name(state.name or holder.state.name), "as_of": today.isoformat()}


def numbers_of(app, holder: str) -> list[str]:
    return [e["data"]["certification_number"] for e in app.history(holder)["events"]
            if e["type"] == "Certified"]


@pytest.mark.parametrize("today", ["2027-06-01", "2030-01-20", "2030-01-24", "2030-01-26",
                                   "2031-06-01"])
def test_verify_answers_as_it_did_through_the_repository(store, today):
    _app, services = store
    on = date.fromisoformat(today)
    for holder in ("R01", "R02", "R04"):
        for number in numbers_of(services.app, holder):
            if holder == "R04" and on < date(2028, 9, 23):
                continue  # not yet numbered on that day
            assert (verification(services.reads, number, on)
                    == verification_through_the_repository(services.app, number, on))


def test_a_number_decided_after_today_is_not_certified_yet(store):
    _app, services = store
    (number,) = numbers_of(services.app, "R04")
    with pytest.raises(DomainError) as raised:
        verification(services.reads, number, date(2028, 9, 1))
    assert raised.value.code == "NOT_CERTIFIED"


# -- the hot paths against the routes ---------------------------------------------------


def get(app, path: str, headers: dict) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            return await http.get(path, headers=headers)

    return asyncio.run(call())


def routes_only(app: FastAPI):
    """The same application with the hot paths left out: FastAPI's own routing."""

    async def asgi(scope, receive, send):
        await FastAPI.__call__(app, scope, receive, send)

    return asgi


BEARER = {"Authorization": f"Bearer {READER}"}
REQUESTS = [
    ("/holders/R01/status", BEARER),
    ("/holders/R01/status?as_of=2027-06-01", BEARER),
    ("/holders/R04/status?as_of=2030-01-01", BEARER),
    ("/holders/R01/status?as_of=2027-06-01&as_of=2031-01-01", BEARER),
    ("/holders/R01/status?as_of=", BEARER),
    ("/holders/R01/status?as_of=2027-13-01", BEARER),
    ("/holders/R01/status?as_of=9999-12-31", BEARER),
    ("/holders/R01/status?known_at=yesterday", BEARER),
    ("/holders/R01/status?known_at=2020-01-01T00:00:00", BEARER),
    ("/holders/R01/status?unknown=1", BEARER),
    ("/holders/R%30%31/status", BEARER),
    ("/holders/NOBODY/status", BEARER),
    ("/holders/R01/status", {"Authorization": f"bearer   {READER}  "}),
    ("/holders/R01/status", {}),
    ("/holders/R01/status", {"Authorization": "Bearer not-a-known-token-at-all"}),
    ("/holders/R01/status", {"Authorization": f"Basic {READER}"}),
    ("/holders//status", BEARER),
    ("/holders/R01/status/", BEARER),
    ("/holders/a%2Fb/status", BEARER),
    ("/verify/CAP-2027-00001", {}),
    ("/verify/CAP-2027-00001?as_of=2020-01-01", {}),
    ("/verify/CAP-2027-99999", {}),
    ("/verify/not-a-number", {}),
    ("/verify/", {}),
]


@pytest.mark.parametrize("path, headers", REQUESTS)
def test_the_hot_paths_answer_what_the_routes_answer(store, path, headers):
    app, _services = store
    ours, theirs = get(app, path, headers), get(routes_only(app), path, headers)
    assert (ours.status_code, ours.headers.get("content-type"), ours.content) == (
        theirs.status_code, theirs.headers.get("content-type"), theirs.content)
    assert ours.headers.get("content-length") == theirs.headers.get("content-length")


def test_a_crash_on_a_hot_path_is_the_routes_internal_error(store, monkeypatch):
    app, services = store

    def broken(_number):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(services.reads, "holder", broken)
    for path, headers in (("/holders/R01/status", BEARER), ("/verify/CAP-2027-00001", {})):
        ours, theirs = get(app, path, headers), get(routes_only(app), path, headers)
        assert ours.status_code == theirs.status_code == 500
        assert ours.json() == theirs.json()
        assert ours.json()["error"]["code"] == "INTERNAL_ERROR"


@pytest.mark.postgres
def test_a_broken_postgres_connection_is_given_back_and_replaced(postgres_url):
    from lifecycle.application import LifecycleApplication

    app = LifecycleApplication(Settings(database_url=postgres_url, audit_rate=Decimal("0")))
    reads = StoreReads(app)
    try:
        assert app.execute(exam_pass("P01", "CAP", "P26-000401", "2026-06-15"),
                           actor="test", today=TODAY)["ok"]
        assert reads.holder("P01").holder.state.number == "P01"
        connection, _cursor = reads._query._local.held
        connection.close()  # as if the server had dropped it
        with pytest.raises(Exception):  # noqa: B017 - the driver's error, whichever it is
            reads.holder("P01")
        assert reads.holder("P01").holder.state.number == "P01"
    finally:
        reads.close()
        app.close()


def scope(path: str, headers: dict, method: str = "GET", query: bytes = b"") -> dict:
    return {"type": "http", "method": method, "path": path, "root_path": "",
            "query_string": query,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}


def test_only_the_usual_hot_requests_skip_the_routes(store):
    from lifecycle.http.hot_paths import hot_answer

    app, _services = store
    taken = [scope("/holders/R01/status", BEARER), scope("/verify/CAP-2027-00001", {}),
             scope("/holders/R01/status", BEARER, query=b"as_of=2027-06-01"),
             scope("/holders/R01/status", {"Authorization": f"BEARER {READER}"})]
    left = [scope("/holders/R01/status", {}), scope("/holders/R01/status", BEARER, "HEAD"),
            scope("/holders/R01/status", {"Authorization": "Bearer someone-else-entirely"}),
            scope("/holders//status", BEARER), scope("/holders/a/b/status", BEARER),
            scope("/holders/R01/history", BEARER), scope("/verify/", {}),
            scope("/verify/a/b", {}), scope("/healthz", {}),
            {**scope("/verify/CAP-2027-00001", {}), "root_path": "/api"}]
    assert all(hot_answer(app, s) is not None for s in taken)
    assert all(hot_answer(app, s) is None for s in left)


def test_sqlite_reads_go_through_a_memory_map(sqlite_url):
    from lifecycle.application import LifecycleApplication

    app = LifecycleApplication(Settings(database_url=sqlite_url))
    reads = StoreReads(app)
    try:
        assert reads.holder("NOBODY") is None
        (mapped,) = reads._query._connection().execute("PRAGMA mmap_size").fetchone()
        assert mapped > 0
    finally:
        reads.close()
        app.close()
