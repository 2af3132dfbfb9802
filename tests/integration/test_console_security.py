"""The console's guards, over HTTP on both stores: cookie flags, a new session at every
login, idle timeout and logout, CSRF, role checks on the server, lock-out, and what a
refused command leaves (nothing) and shows (its code, the input kept)."""

from __future__ import annotations

import pytest

from lifecycle.staff import Accounts
from lifecycle.staff.accounts import LOCK_MINUTES, MAX_FAILURES

from .console_support import PASSWORD, Console, csrf_of, drop_schema, log_in, store_url

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
HOLDER = "H-SEC-1"


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def console(request, tmp_path_factory):
    url, schema = store_url(request.param, tmp_path_factory.mktemp("console"))
    made = Console(url)
    with made.client():  # the lifespan: closed at the end
        made.execute({"type": "record_exam_pass", "holder": HOLDER, "qualification": "CAP",
                      "pass_number": "P26-009001", "issued_on": "2026-06-15",
                      "name": "今田 太郎", "name_kana": "コンケンタロウ"})
        yield made
    drop_schema(schema)


def _cookie_header(response) -> str:
    return next(v for k, v in response.headers.multi_items()
                if k == "set-cookie" and v.startswith("lc_session="))


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_only_over_tls(console):
    plain = log_in(console.client(), "reader")
    assert plain.status_code == 303 and plain.headers["location"] == "/console/"
    flags = _cookie_header(plain).lower()
    assert "httponly" in flags and "samesite=lax" in flags and "path=/console" in flags
    assert "secure" not in flags
    tls = log_in(console.client("https://testserver"), "reader")
    assert "secure" in _cookie_header(tls).lower()


def test_a_login_gets_a_new_session_and_the_one_the_browser_had_ends(console):
    client = console.client()
    log_in(client, "reader")
    before = client.cookies["lc_session"]
    log_in(client, "clerk")
    after = client.cookies["lc_session"]
    assert after != before
    assert "clerk（" in client.get("/console/").text
    stale = console.client()
    stale.cookies.set("lc_session", before, path="/console")
    assert stale.get("/console/").status_code == 303  # the planted id opens nothing
    forged = console.client()
    forged.cookies.set("lc_session", after.split(".")[0] + ".forged", path="/console")
    assert forged.get("/console/").status_code == 303  # an unsigned id is ignored


def test_an_idle_session_ends_and_logging_out_ends_it_at_once(console):
    client = console.client()
    log_in(client, "reader")
    console.clock.advance(minutes=29)
    assert client.get("/console/").status_code == 200  # activity: the idle time restarts
    console.clock.advance(minutes=29)
    assert client.get("/console/").status_code == 200
    console.clock.advance(minutes=31)
    idle = client.get("/console/")
    assert idle.status_code == 303 and idle.headers["location"].startswith("/console/login")
    log_in(client, "reader")
    cookie = client.cookies["lc_session"]
    assert client.post("/console/logout", data={"csrf": csrf_of(client)}).status_code == 303
    replay = console.client()
    replay.cookies.set("lc_session", cookie, path="/console")
    assert replay.get("/console/").status_code == 303


def test_a_post_without_the_right_csrf_token_is_refused_and_records_nothing(console):
    client = console.client()
    log_in(client, "clerk")
    before = len(console.events(HOLDER))
    entry = {"entry_id": "c1", "category": "A", "activity_on": "2027-05-01", "hours": "3",
             "title": "t", "provider": "p", "on": "2027-05-02"}
    for sent in ({}, {"csrf": "not-the-token"}):
        refused = client.post(f"/console/holders/{HOLDER}/act/log_cpd", data=entry | sent)
        assert refused.status_code == 403 and "CSRF" in refused.text
    assert len(console.events(HOLDER)) == before


@pytest.mark.parametrize("role, method, path, data", [
    ("reader", "post", f"/console/holders/{HOLDER}/act/withdraw_cpd", {"entry_id": "x"}),
    ("reviewer", "post", "/console/payments/record", {"holder": HOLDER}),
    ("clerk", "post", f"/console/holders/{HOLDER}/act/decide_application",
     {"qualification": "CAP", "decision": "certify"}),
    ("auditor", "post", "/console/exam-pass", {"holder": "H-SEC-NEW"}),
    ("clerk", "post", "/console/users", {"action": "add", "name": "mallory", "role": "admin",
                                         "password": "x" * 12}),
    ("clerk", "get", "/console/users", None),
    ("clerk", "get", f"/console/holders/{HOLDER}?known_at=2026-12-01T00:00:00", None),
    ("reader", "get", "/console/exports/credentials.csv", None),
    ("reader", "get", "/console/applications/new", None),
])
def test_the_server_refuses_what_a_role_may_not_do(console, role, method, path, data):
    client = console.client()
    log_in(client, role)
    before = len(console.events(HOLDER))
    if method == "post":
        answer = client.post(path, data={**data, "csrf": csrf_of(client)})
    else:
        answer = client.get(path)
    assert answer.status_code == 403, answer.text[:300]
    assert "FORBIDDEN" in answer.text
    assert len(console.events(HOLDER)) == before
    assert console.app.state.console.accounts.get("mallory") is None


def test_repeated_wrong_passwords_lock_the_account_even_against_the_right_one(console):
    accounts: Accounts = console.app.state.console.accounts
    accounts.add("temp-clerk", "clerk", PASSWORD, by="test")
    client = console.client()
    for _ in range(MAX_FAILURES):
        assert log_in(client, "temp-clerk", "wrong password!").status_code == 401
    refused = log_in(client, "temp-clerk")
    assert refused.status_code == 401 and "lc_session" not in refused.headers.get(
        "set-cookie", "")
    assert any(e["change"] == "locked" for e in accounts.log("temp-clerk"))
    console.clock.advance(minutes=LOCK_MINUTES + 1)
    assert log_in(client, "temp-clerk").status_code == 303


def test_disabling_an_account_ends_its_open_session(console):
    accounts: Accounts = console.app.state.console.accounts
    accounts.add("leaving", "reader", PASSWORD, by="test")
    client = console.client()
    log_in(client, "leaving")
    assert client.get("/console/").status_code == 200
    accounts.disable("leaving", by="test")
    assert client.get("/console/").status_code == 303
    assert log_in(client, "leaving").status_code == 401


def test_a_refused_command_shows_its_code_keeps_the_input_and_records_nothing(console):
    client = console.client()
    log_in(client, "clerk")
    before = len(console.events(HOLDER))
    refused = client.post(f"/console/holders/{HOLDER}/act/log_cpd", data={
        "csrf": csrf_of(client), "entry_id": "kept-entry-7", "category": "A",
        "activity_on": "2026-07-01", "hours": "3", "title": "研修タイトル", "provider": "p",
        "on": "2026-07-02", "view_as_of": "2026-07-02"})
    assert refused.status_code == 422
    assert 'name="as_of" value="2026-07-02"' in refused.text  # the date it was viewed on
    assert "CPD_OUTSIDE_CYCLE" in refused.text
    assert 'value="kept-entry-7"' in refused.text and 'value="研修タイトル"' in refused.text
    assert len(console.events(HOLDER)) == before


def test_a_command_is_recorded_with_the_staff_member_as_actor(console):
    client = console.client()
    log_in(client, "clerk")
    done = client.post("/console/exam-pass", data={
        "csrf": csrf_of(client), "holder": "H-SEC-2", "qualification": "SV",
        "pass_number": "P26-009002", "issued_on": "2026-06-15", "name": "山田 花子",
        "name_kana": "ヤマダハナコ"})
    assert done.status_code == 303
    assert [e["actor"] for e in console.events("H-SEC-2")] == ["console:clerk"]


def test_a_password_never_reaches_the_log(console, capfd):
    client = console.client()
    log_in(client, "reader", "wrong-secret-Xq7")
    log_in(client, "reader")
    captured = capfd.readouterr()
    assert "wrong-secret-Xq7" not in captured.err + captured.out
    assert PASSWORD not in captured.err + captured.out


def test_after_login_the_browser_goes_only_to_a_console_page(console):
    client = console.client()
    from .console_support import login_token

    answer = client.post("/console/login", data={
        "name": "reader", "password": PASSWORD, "login_token": login_token(client),
        "next": "https://elsewhere.example/"})
    assert answer.headers["location"] == "/console/"


def test_the_login_form_needs_its_own_token(console):
    client = console.client()
    client.get("/console/login")
    answer = client.post("/console/login", data={"name": "reader", "password": PASSWORD,
                                                 "login_token": "guessed"})
    assert answer.status_code == 403 and "lc_session" not in client.cookies


def test_an_upload_over_the_limit_is_refused_before_it_is_read(console):
    from lifecycle.http.console.security import MAX_REQUEST

    client = console.client()
    log_in(client, "clerk")
    big = client.post("/console/imports", data={"csrf": csrf_of(client), "kind": "cpd"},
                      files={"file": ("big.csv", b"x" * (MAX_REQUEST + 1), "text/csv")})
    assert big.status_code == 413


def test_an_error_under_the_console_is_a_page_and_the_api_keeps_its_json(console):
    client = console.client()
    log_in(client, "reader")
    missing = client.get("/console/no-such-page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(
        "text/html") and "NOT_FOUND" in missing.text
    api = client.get("/no-such-route")
    assert api.status_code == 404 and api.json()["error"]["code"] == "NOT_FOUND"
