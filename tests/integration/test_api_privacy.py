"""A `system` token sees statuses, numbers and dates but no personal data, on every GET
(the hot fast path included); every answer says no-store and nosniff; HEAD is answered on
the public routes; a malformed token entry never echoes its secret."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from lifecycle.demo.population import certification_commands
from lifecycle.http import create_app
from lifecycle.http.auth import Tokens, parse_entries
from lifecycle.settings import Settings, SettingsError
from tests.integration.test_store import TODAY

SYSTEM, READER = "system-token-for-tests-0001", "reader-token-for-tests-0001"
PERSONAL = ("今田 太郎", "コンケンタロウ", "t@example.jp", "ｺﾝｹﾝﾀﾛｳ")


@pytest.fixture
def api(db_url):
    tokens = Tokens(parse_entries(f"feed:system:{SYSTEM},desk:reader:{READER}", "test"))
    app = create_app(Settings(database_url=db_url), tokens=tokens, today=lambda: TODAY)
    core = app.state.services.app
    commands = certification_commands("H0001", "P26-000123", "B-1")
    commands[0]["email"] = "t@example.jp"
    for command in commands:
        assert core.execute(command, actor="t", today=TODAY)["ok"]
    app.state.services.catch_up()
    yield TestClient(app)
    app.state.services.close()


PATHS = ["/holders/H0001/status", "/holders/H0001/history", "/events?after=0",
         "/credentials?qualification=CAP", "/windows?opens_from=2030-01-01&opens_to=2030-12-31"]


def test_a_system_token_gets_no_personal_data_a_reader_does(api):
    for path in PATHS:
        seen = api.get(path, headers={"Authorization": f"Bearer {SYSTEM}"})
        assert seen.status_code == 200, (path, seen.text)
        assert not any(p in seen.text for p in PERSONAL), path
        full = api.get(path, headers={"Authorization": f"Bearer {READER}"})
        assert full.status_code == 200
    status = api.get(PATHS[0], headers={"Authorization": f"Bearer {SYSTEM}"}).json()
    assert status["name"] is None
    assert status["qualifications"]["CAP"]["status"] == "renewal_window_open"
    assert "今田 太郎" in api.get(PATHS[0], headers={"Authorization": f"Bearer {READER}"}).text


def test_answers_are_not_cached_nor_sniffed_and_head_is_answered(api):
    for method, path, auth in [("GET", PATHS[0], READER), ("GET", "/verify/CAP-2027-00001", None),
                               ("HEAD", "/verify/CAP-2027-00001", None), ("HEAD", "/healthz", None),
                               ("GET", PATHS[1], READER)]:
        headers = {"Authorization": f"Bearer {auth}"} if auth else {}
        answer = api.request(method, path, headers=headers)
        assert answer.status_code == 200, (method, path)
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_malformed_token_entry_never_echoes_its_secret():
    secret = "s3cret-token-value-000000001"
    for text in (secret, f"{secret}:x", f"name:{secret}"):
        with pytest.raises(SettingsError) as refused:
            parse_entries(text, "LIFECYCLE_API_TOKENS")
        assert secret not in str(refused.value)
