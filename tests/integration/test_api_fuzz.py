"""Property-based fuzzing of the HTTP API from its own OpenAPI document (schemathesis),
in-process over ASGI, on both stores: no request makes it answer 500, every answer
conforms to the documented statuses and shapes, and every error carries a SPEC code."""

from __future__ import annotations

from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from lifecycle.http import create_app
from lifecycle.http.auth import Tokens, parse_entries
from lifecycle.http.errors import SPEC_CODES
from lifecycle.keys import KeyRing
from lifecycle.settings import Settings

CLERK = "clerk-token-for-fuzzing-0001"
TODAY = date(2030, 1, 15)
MAX_EXAMPLES = 40
SEED = [
    {"type": "record_exam_pass", "holder": "F001", "qualification": "CAP",
     "pass_number": "P26-900001", "issued_on": "2026-06-15", "name": "今田 太郎",
     "name_kana": "コンケンタロウ"},
    {"type": "record_exam_pass", "holder": "F002", "qualification": "SV",
     "pass_number": "P26-900002", "issued_on": "2026-06-15", "name": "鈴木 花子",
     "name_kana": "スズキハナコ"},
]


@pytest.fixture
def api(db_url, tmp_path):
    tokens = Tokens(parse_entries(f"fuzzer:clerk:{CLERK}", "test"))
    KeyRing.init(tmp_path / "keys")  # the credential routes sign with it
    settings = Settings(database_url=db_url, key_dir=str(tmp_path / "keys"))
    app = create_app(settings, tokens=tokens, today=lambda: TODAY)
    for command in SEED:
        assert app.state.services.app.execute(command, actor="test", today=TODAY)["ok"]
    yield app
    app.state.services.close()


# SPEC.md has no code for "who are you?": negative cases that drop or mangle the token
# are answered with the API's two authentication codes, and only with those statuses.
AUTH_CODES = {401: "UNAUTHORIZED", 403: "FORBIDDEN"}


def errors_carry_a_spec_code(response) -> None:
    if response.status_code < 400 or response.request.method == "HEAD":  # HEAD: no body
        return
    body = response.json()
    code = body.get("error", {}).get("code") if isinstance(body, dict) else None
    assert code in SPEC_CODES or code == AUTH_CODES.get(response.status_code), (
        f"{response.status_code} without a SPEC code: {body}")


# Any string is a valid certification number or list name to look up, and /healthz and
# /credentials/issuer take nothing.
NOTHING_TO_NEGATE = {"/verify/{certification_number}", "/healthz", "/credentials/issuer",
                     "/credentials/{certification_number}/credential",
                     "/credentials/status/{status_list}"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


# schemathesis' own pytest integration (`from_fixture`) does not run under pytest 9, so
# each operation's strategy is driven by hypothesis directly.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_request_breaks_the_api(api, mode):
    schema = schemathesis.openapi.from_asgi("/openapi.json", api)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 14  # HEAD /verify and HEAD /healthz beside the GETs

    for operation in operations:
        if mode == GenerationMode.NEGATIVE and operation.path in NOTHING_TO_NEGATE:
            continue

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call(headers={"Authorization": f"Bearer {CLERK}"})
            case.validate_response(response, checks=CHECKS)
            errors_carry_a_spec_code(response)

        run()
