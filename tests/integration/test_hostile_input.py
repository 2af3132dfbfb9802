"""Input no office file should be able to turn into a crash, or into a record the read
models cannot hold: each such line answers INVALID_INPUT naming what is wrong, nothing is
written, the rest of the batch runs, and the read models keep catching up."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifecycle.bootstrap import catch_up, open_read_engine
from lifecycle.cli import main
from lifecycle.commands import COMMANDS
from lifecycle.settings import Settings
from projections import queries
from projections.runner import Runner
from tests.integration.test_store import TODAY, _app

TRANSFER = {"type": "record_transfer", "bank_reference": "T1", "paid_on": "2026-11-03",
            "payer_name": "Z"}
PASS = {"type": "record_exam_pass", "holder": "H1", "qualification": "CAP",
        "pass_number": "P26-1", "issued_on": "2026-06-15", "name": "今田 太郎",
        "name_kana": "コンケンタロウ"}
HOSTILE = [
    (b"null", "a command must be a JSON object"),
    (b"[" * 3000 + b"]" * 3000, "nested too deeply"),
    (b'{"type": "sweep", "as_of": "2030-01-01"\xff}', "not UTF-8"),
    (b'{"amount": ' + b"9" * 5000 + b"}", "number too long"),
    (json.dumps({**TRANSFER, "amount": 10**30}).encode(), "'amount'"),
    (json.dumps({**TRANSFER, "amount": "²"}).encode(), "'amount'"),
    (json.dumps({**PASS, "email": "a\u0000b@x.jp"}).encode(), "'email'"),
    (b'{"type": "record_exam_pass", "holder": "\\ud800", "qualification": "CAP"}', "'holder'"),
    (json.dumps({**PASS, "name": "\\ud800"}).replace("\\\\ud800", "\\ud800").encode(),
     "'name'"),
    (json.dumps({**PASS, "holder": "H/1"}).encode(), "'holder'"),
    (json.dumps({**PASS, "name": "x" * 20_000_000}).encode(), "'name'"),
]


def test_each_hostile_line_is_invalid_input_alone_and_writes_nothing(db_url, tmp_path):
    batch = tmp_path / "batch.jsonl"
    good = json.dumps(PASS).encode()
    batch.write_bytes(b"\n".join([line for line, _ in HOSTILE] + [good]) + b"\n")
    result = CliRunner().invoke(main, ["--db", db_url, "apply", str(batch)])
    assert result.exit_code == 1, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(HOSTILE) + 1
    for (_, expected), answer in zip(HOSTILE, answers, strict=False):
        assert answer["error"]["code"] == "INVALID_INPUT", answer
        assert expected in answer["error"]["message"], answer
    assert answers[-1]["ok"]
    assert f"{len(HOSTILE) + 1} lines: 1 recorded, {len(HOSTILE)} refused, 0 failed" \
        in result.stderr
    app = _app(db_url)
    assert app.recorder.max_notification_id() == 2  # the good pass and its register entry
    app.close()


def test_a_line_that_crashes_answers_internal_error_alone_and_no_line_runs_twice(sqlite_url,
                                                                                  monkeypatch):
    from lifecycle.application import LifecycleApplication

    original = LifecycleApplication.log_cpd

    def log_cpd(self, command, *, actor, uow):
        if command.entry_id == "boom":
            original(self, command, actor=actor, uow=uow)  # changes the holder, then crashes
            raise RuntimeError("a bug")
        return original(self, command, actor=actor, uow=uow)

    monkeypatch.setattr(LifecycleApplication, "log_cpd", log_cpd)
    from lifecycle.demo.population import certification_commands

    cpd = {"type": "log_cpd", "holder": "H0001", "category": "A", "activity_on": "2028-05-10",
           "hours": "1", "on": "2028-05-10", "title": "t", "provider": "p"}
    lines = [*certification_commands("H0001", "P26-000123", "B-1"),
             {**cpd, "entry_id": "e1"}, {**cpd, "entry_id": "boom"}, {**cpd, "entry_id": "e2"},
             {**cpd, "entry_id": "e1"}]
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    result = CliRunner().invoke(main, ["--db", sqlite_url, "apply", "-"], input=text)
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["ok"] for a in answers] == [True] * 5 + [False, True, False]
    assert answers[5]["error"]["code"] == "INTERNAL_ERROR"
    assert answers[7]["error"]["code"] == "DUPLICATE_ENTRY"  # e1 of this very run
    assert "8 lines: 6 recorded, 1 refused, 1 failed" in result.stderr
    app = _app(sqlite_url)
    entries = [e.data()["entry_id"] for e in app.events.get(app.holder("H0001").id)
               if type(e).__name__ == "CPDLogged"]
    assert entries == ["e1", "e2"]
    app.close()


def test_the_api_refuses_deep_nesting_and_oversized_bodies(sqlite_url):
    from fastapi.testclient import TestClient

    from lifecycle.http import create_app
    from lifecycle.http.auth import Tokens, parse_entries

    token = "clerk-token-for-hostile-0001"
    api = create_app(Settings(database_url=sqlite_url),
                     tokens=Tokens(parse_entries(f"c:clerk:{token}", "test")))
    client = TestClient(api, headers={"Authorization": f"Bearer {token}"})
    deep = client.post("/commands", content=b"[" * 3000 + b"]" * 3000)
    assert deep.status_code == 400 and deep.json()["error"]["code"] == "INVALID_INPUT"
    huge = client.post("/commands", content=json.dumps({**PASS, "name": "x" * 3_000_000}))
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    surrogate = client.post("/commands", content=b'{"type": "record_exam_pass", '
                            b'"holder": "\\ud800", "qualification": "CAP"}')
    assert surrogate.status_code == 400
    assert api.state.services.app.recorder.max_notification_id() is None
    api.state.services.close()


# Any JSON value (and every command type with hostile field values): one result, never a
# crash, and a refusal leaves the store as it was.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)
FIELDS = ["holder", "qualification", "pass_number", "issued_on", "name", "name_kana", "email",
          "on", "amount", "paid_on", "payer_name", "bank_reference", "purpose", "decision",
          "entry_id", "category", "field", "activity_on", "hours", "title", "provider",
          "reason", "reasons", "experience", "substitutions", "ethics_pledge_signed_on",
          "disallowed_entries", "as_of", "allocated_by", "transfer_amount"]
commands = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    st.sampled_from(sorted(set(COMMANDS) - {"sweep"})),
    st.dictionaries(st.sampled_from(FIELDS), json_values | st.sampled_from(
        ["H1", "CAP", "2027-05-10", "1", 11000, "A", 4, "certify", "\u0000", "\ud800"]),
        max_size=10))


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    app = _app(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    assert app.execute(PASS, actor="t", today=TODAY)["ok"]
    yield app
    app.close()


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(raws=st.lists(json_values | commands, min_size=1, max_size=5))
def test_any_json_gives_one_result_each_and_refusals_write_nothing(fuzz_app, raws):
    before = fuzz_app.recorder.max_notification_id()
    results = fuzz_app.execute_many(raws, actors=["fuzz"] * len(raws), today=TODAY)
    assert len(results) == len(raws)
    assert all(r["ok"] or r["error"]["code"] != "INTERNAL_ERROR" for r in results), results
    if not any(r["ok"] and r.get("events") for r in results):
        assert fuzz_app.recorder.max_notification_id() == before


def test_whatever_is_accepted_can_be_caught_up(db_url):
    """Extreme but valid values of what the boundary allows reach the read models."""
    app = _app(db_url)
    widest = {**PASS, "holder": "H" + "9" * 31, "pass_number": "P" * 32,
              "name": "名" * 100, "name_kana": "\u3000" + "カ" * 99, "email": "e" * 254}
    assert app.execute(widest, actor="t", today=TODAY)["ok"]
    assert app.execute({**TRANSFER, "bank_reference": "R" * 64, "amount": 1_000_000_000,
                        "payer_name": "ｶ" * 100}, actor="t", today=TODAY)["ok"]
    engine = open_read_engine(app.settings)
    assert catch_up(Runner(app, engine))
    status = queries.holder_status(engine, widest["holder"], TODAY)
    assert status == app.status(widest["holder"], TODAY)
    engine.dispose()
    app.close()
