"""SPEC §11 over HTTP: the new refusals are 422 with their codes, the status lists filter
on `suspended` / `revoked`, and public verification shows the status, never the reason."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal

import httpx
import pytest

from lifecycle.http import create_app
from lifecycle.http.auth import Tokens, parse_entries
from lifecycle.settings import Settings

from .test_api_http import certified

TODAY = date(2028, 6, 15)
READER, CLERK = "reader-token-for-discipline-1", "clerk-token-for-discipline-01"
REASON = "倫理綱領違反の申立て（内部番号 X-77）"


@pytest.fixture
def api(db_url):
    settings = Settings(database_url=db_url, audit_rate=Decimal("0"))
    tokens = Tokens(parse_entries(f"r:reader:{READER},c:clerk:{CLERK}", "test"))
    app = create_app(settings, tokens=tokens, today=lambda: TODAY)
    yield app
    app.state.services.close()


def call(app, method: str, path: str, token: str | None = None, json=None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
            return await http.request(method, path, headers=headers, json=json)

    return asyncio.run(run())


def command(kind: str, holder: str, on: str) -> dict:
    return {"type": f"{kind}_certification", "holder": holder, "qualification": "CAP",
            "on": on, "reason": REASON}


def test_refusals_suspended_revoked_views_and_verify(api):
    setup = [*certified("V01", "P26-000501", date(2026, 6, 15)),
             *certified("V02", "P26-000502", date(2026, 6, 15)),
             command("suspend", "V01", "2028-05-01"), command("revoke", "V02", "2028-06-01")]
    results = call(api, "POST", "/commands", CLERK, setup).json()
    assert all(r["ok"] for r in results), results

    for body, code in ((command("suspend", "V01", "2028-06-02"), "SUSPENDED"),
                       (command("reinstate", "V02", "2028-06-02"), "REVOKED"),
                       ({**command("revoke", "V01", "2028-06-02"), "qualification": "SV",
                         "type": "reinstate_certification"}, "INVALID_INPUT")):
        answer = call(api, "POST", "/commands", CLERK, body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (
            400 if code == "INVALID_INPUT" else 422, code)
    answer = call(api, "POST", "/commands", CLERK, command("reinstate", "V01", "2028-04-01"))
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "NOT_SUSPENDED")

    for status, holder in (("suspended", "V01"), ("revoked", "V02")):
        page = call(api, "GET", f"/credentials?status={status}&as_of=2028-06-15", READER)
        assert page.status_code == 200, page.text
        assert [(i["holder"], i["status"]) for i in page.json()["items"]] == [(holder, status)]

    numbers = {"V01": "CAP-2027-00001", "V02": "CAP-2027-00002"}
    for holder, status in (("V01", "suspended"), ("V02", "revoked")):
        shown = call(api, "GET", f"/verify/{numbers[holder]}")
        assert shown.status_code == 200, shown.text
        assert shown.json()["status"] == status
        assert REASON not in shown.text and "X-77" not in shown.text


def test_the_openapi_document_knows_the_new_statuses(api):
    schemas = call(api, "GET", "/openapi.json").json()["components"]["schemas"]
    for model in ("QualificationStatus", "Verification"):
        assert {"suspended", "revoked"} <= set(schemas[model]["properties"]["status"]["enum"])
    assert "revoked" in schemas["Period"]["properties"]["outcome"]["enum"]
