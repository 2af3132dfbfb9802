"""POST /commands' documented body is generated from the typed commands: every command type
of SPEC §8 (and record_transfer) with its required fields, so a generated client sends what
the parser accepts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lifecycle.commands import COMMANDS
from lifecycle.http import create_app
from lifecycle.http.auth import Tokens
from lifecycle.settings import Settings

SPEC_TYPES = {"record_exam_pass", "file_application", "record_payment", "decide_application",
              "log_cpd", "withdraw_cpd", "request_renewal", "complete_audit",
              "decide_renewal", "sweep"}


def _body_schema(sqlite_url) -> dict:
    app = create_app(Settings(database_url=sqlite_url), tokens=Tokens([]))
    try:
        doc = TestClient(app).get("/openapi.json").json()
    finally:
        app.state.services.close()
    body = doc["paths"]["/commands"]["post"]["requestBody"]["content"]["application/json"]
    return body["schema"]["oneOf"][0]


def test_every_command_type_is_documented_with_its_required_fields(sqlite_url):
    variants = {v["properties"]["type"]["const"]: v for v in _body_schema(sqlite_url)["oneOf"]}
    assert set(variants) == SPEC_TYPES | {"record_transfer"} == set(COMMANDS)
    assert variants["record_transfer"]["required"] == [
        "type", "bank_reference", "paid_on", "amount", "payer_name"]
    assert variants["log_cpd"]["required"] == [
        "type", "holder", "entry_id", "category", "activity_on", "hours", "title", "provider"]
    issued_on = variants["record_exam_pass"]["properties"]["issued_on"]
    assert issued_on["format"] == "date" and "1900-01-01" in issued_on["description"]
