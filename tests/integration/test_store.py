"""The event store under the application: atomic commands, concurrent writers, snapshots."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import date

import pytest

from lifecycle.application import LifecycleApplication
from lifecycle.demo.population import certification_commands
from lifecycle.settings import Settings

TODAY = date(2030, 1, 5)


def _app(url: str, **overrides) -> LifecycleApplication:
    return LifecycleApplication(Settings(database_url=url, audit_rate=0, **overrides))


def _certified(app: LifecycleApplication, holder: str = "H0001", suffix: str = "0123") -> None:
    commands = certification_commands(holder, f"P26-00{suffix}", f"B-{holder}")
    for command in commands:
        result = app.execute(command, actor="test", today=TODAY)
        assert result["ok"], result


def _cpd(holder: str, entry_id: str, day: str = "2028-05-10") -> dict:
    return {"type": "log_cpd", "holder": holder, "entry_id": entry_id, "category": "A",
            "activity_on": day, "hours": "1", "on": day, "title": "course", "provider": "body"}


def _event_count(app: LifecycleApplication) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_refused_command_appends_nothing(db_url):
    app = _app(db_url)
    _certified(app)
    before = _event_count(app)
    refused = [
        _cpd("H0001", "e1", day="2031-01-01"),  # CPD_IN_FUTURE (on = activity date, so check)
        {**_cpd("H0001", "e2"), "activity_on": "2026-01-01"},  # CPD_OUTSIDE_CYCLE
        {"type": "record_payment", "holder": "H0001", "purpose": "certification",
         "qualification": "CAP", "amount": 11000, "paid_on": "2026-09-03",
         "payer_name": "0123ｺﾝｹﾝﾀﾛｳ", "bank_reference": "B-H0001"},  # DUPLICATE_PAYMENT
        {"type": "decide_application", "holder": "H0001", "qualification": "CAP",
         "on": "2026-10-02", "decision": "certify"},  # NOT_ACCEPTED: none open
        {"type": "record_exam_pass", "holder": "H0002", "qualification": "CAP",
         "pass_number": "P26-000123", "issued_on": "2026-06-15", "name": "x",
         "name_kana": "エックス"},  # DUPLICATE_PASS_NUMBER
    ]
    codes = [app.execute(c, actor="test", today=TODAY)["error"]["code"] for c in refused[1:]]
    assert codes == ["CPD_OUTSIDE_CYCLE", "DUPLICATE_PAYMENT", "NOT_ACCEPTED",
                     "DUPLICATE_PASS_NUMBER"]
    assert _event_count(app) == before


def test_concurrent_writers_to_one_holder_never_lose_an_event(db_url, busy_cpu):
    _certified(_app(db_url))
    results: list[dict] = []

    def writer(n: int) -> None:
        app = _app(db_url)
        for i in range(10):
            results.append(app.execute(_cpd("H0001", f"w{n}-{i}"), actor=f"w{n}", today=TODAY))
        app.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r["ok"] for r in results), [r for r in results if not r["ok"]]
    history = _app(db_url).history("H0001")["events"]
    logged = {e["data"]["entry_id"] for e in history if e["type"] == "CPDLogged"}
    assert logged == {f"w{n}-{i}" for n in range(8) for i in range(10)}
    assert [e["version"] for e in history] == list(range(1, len(history) + 1))


def test_one_bank_reference_raced_by_two_holders_is_recorded_once(db_url):
    app = _app(db_url)
    _certified(app, "H0001", "0123")
    _certified(app, "H0002", "0456")
    barrier = threading.Barrier(2)
    results = {}

    def pay(holder: str, suffix: str) -> None:
        writer = _app(db_url)
        barrier.wait()
        results[holder] = writer.execute(
            {"type": "record_payment", "holder": holder, "purpose": "renewal",
             "qualification": "CAP", "amount": 11000, "paid_on": "2029-01-05",
             "payer_name": f"{suffix}ｺﾝｹﾝﾀﾛｳ", "bank_reference": "SAME"},
            actor="test", today=TODAY)
        writer.close()

    threads = [threading.Thread(target=pay, args=a) for a in (("H0001", "0001"), ("H0002", "0002"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted("ok" if r["ok"] else r["error"]["code"] for r in results.values())
    assert outcomes == ["DUPLICATE_PAYMENT", "ok"]


def test_status_from_a_snapshot_equals_status_from_every_event(db_url):
    with_snapshots = _app(db_url, snapshot_interval=5)
    _certified(with_snapshots)
    for i in range(23):
        assert with_snapshots.execute(_cpd("H0001", f"e{i}"), actor="t", today=TODAY)["ok"]
    assert list(with_snapshots.snapshots.get(with_snapshots.holder("H0001").id))
    fresh = _app(db_url, snapshot_interval=5)
    without = _app(db_url, snapshot_interval=0)
    for as_of in (date(2028, 5, 10), date(2030, 1, 2), date(2030, 4, 1)):
        assert fresh.status("H0001", as_of) == without.status("H0001", as_of)
    assert fresh.status("H0001", date(2030, 1, 2))["qualifications"]["CAP"]["cpd"]["logged"] == "23"


def test_three_processes_on_one_sqlite_file_wait_for_each_other(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    _certified(_app(url))
    files = []
    for n in range(3):
        path = tmp_path / f"batch{n}.jsonl"
        path.write_text("\n".join(json.dumps(_cpd("H0001", f"p{n}-{i}")) for i in range(40)))
        files.append(path)
    processes = [
        subprocess.Popen([sys.executable, "-m", "lifecycle", "--db", url, "apply", str(f)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for f in files
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], [err[-3000:] for _, err in outputs]
    assert "database is locked" not in "".join(err for _, err in outputs)
    logged = [e for e in _app(url).history("H0001")["events"] if e["type"] == "CPDLogged"]
    assert len(logged) == 120


@pytest.mark.parametrize("rate", ["0", "1"])
def test_audit_selection_follows_the_rate_setting(sqlite_url, rate):
    app = LifecycleApplication(Settings(database_url=sqlite_url, audit_rate=rate))
    _certified(app)
    for i in range(30):
        app.execute(_cpd("H0001", f"e{i}", "2029-12-01"), actor="t", today=TODAY)
    app.execute({"type": "request_renewal", "holder": "H0001", "qualification": "CAP",
                 "on": "2030-01-10", "ethics_pledge_signed_on": "2030-01-10"},
                actor="t", today=TODAY)
    paid = app.execute({"type": "record_payment", "holder": "H0001", "purpose": "renewal",
                        "qualification": "CAP", "amount": 11000, "paid_on": "2030-01-11",
                        "payer_name": "0001ｺﾝｹﾝﾀﾛｳ", "bank_reference": "R1"},
                       actor="t", today=TODAY)
    types = [e["type"] for e in paid["events"]]
    assert types == (["FeePaid", "CPDAuditSelected"] if rate == "1" else ["FeePaid"])


def test_a_batch_saved_in_one_transaction_gives_the_results_of_one_by_one(tmp_path):
    commands = [json.loads(line) for line in open("examples/quickstart.jsonl", encoding="utf-8")]
    commands += [
        commands[0],  # the same pass again: a no-op
        {**commands[0], "holder": "H0002"},  # DUPLICATE_PASS_NUMBER, seen in the same batch
        {**commands[2], "bank_reference": "B-0001"},  # DUPLICATE_PAYMENT, seen in the batch
        _cpd("H0001", "e1"),  # DUPLICATE_ENTRY of a CPD entry logged earlier in the batch
        {"type": "sweep", "as_of": "2030-04-01"},
        _cpd("H0001", "late", "2030-04-02"),  # CPD_OUTSIDE_CYCLE: lapsed
    ]
    one_by_one = _app(f"sqlite:///{tmp_path / 'a.db'}")
    batched = _app(f"sqlite:///{tmp_path / 'b.db'}")
    expected = [one_by_one.execute(c, actor="t", today=TODAY) for c in commands]
    got = batched.execute_many(commands, actors=["t"] * len(commands), today=TODAY)

    def shape(results):
        return [r["error"]["code"] if not r["ok"] else [e["type"] for e in r["events"]]
                for r in results]

    assert shape(got) == shape(expected)
    assert shape(got)[-6:] == [[], "DUPLICATE_PASS_NUMBER", "DUPLICATE_PAYMENT",
                               "DUPLICATE_ENTRY", ["RenewalWindowOpened", "Lapsed"],
                               "CPD_OUTSIDE_CYCLE"]
    on = date(2030, 4, 2)
    assert batched.status("H0001", on) == one_by_one.status("H0001", on)
