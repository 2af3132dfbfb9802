"""`lifecycle verify` on both stores: an untouched store verifies; an event altered,
removed, inserted or two swapped with plain SQL fail it, naming the first event; a
checkpoint signed by another key is refused; a rewrite of the ledger table too is caught
by the signed checkpoint."""

from __future__ import annotations

import json
from uuid import UUID

import pytest
from sqlalchemy import text

from lifecycle.keys import KeyRing
from lifecycle.ledger import checkpoints, leaf
from lifecycle.ledger.merkle import leaf_hash
from tests.integration.ledger_support import Store, populate, run, verify_json


@pytest.fixture
def store(db_url, tmp_path, monkeypatch):
    """A population, a key and one checkpoint over it."""
    monkeypatch.setenv("LIFECYCLE_KEY_DIR", str(tmp_path / "keys"))
    populate(db_url)
    assert run(db_url, "keys", "init").exit_code == 0
    assert run(db_url, "ledger", "checkpoint").exit_code == 0
    return Store(db_url)


def test_an_untouched_store_verifies(db_url, store):
    code, report = verify_json(db_url)
    assert code == 0, report
    assert report["ok"] and report["first_discrepancy"] is None
    assert report["events_in_store"] == report["ledger_size"] == len(store.ids())
    assert [c["ok"] for c in report["checkpoints"]] == [True]


def test_new_events_after_the_checkpoint_are_pending_not_a_failure(db_url, store):
    from tests.integration import cli_driver as cli

    cli.apply_ok(db_url, [cli.log_cpd("H0001", "e-1", "A", "2027-05-10", "3", "2027-05-11")])
    code, report = verify_json(db_url)
    assert code == 0 and report["not_yet_in_ledger"] >= 1


def _named(report: dict) -> list[tuple[int, str | None, str]]:
    return [(e["notification_id"], e["holder"], e["event_type"])
            for e in report["first_discrepancy"]["events"]]


def test_an_altered_event_is_named(db_url, store):
    target = store.holder_event("H0002", "ExamPassed")
    store.alter(target)
    code, report = verify_json(db_url)
    assert code == 1
    assert report["first_discrepancy"]["kind"] == "altered"
    assert _named(report) == [(target, "H0002", "ExamPassed")]
    assert "does not match the store" in report["checkpoints"][0]["problem"]


def test_a_removed_event_is_named(db_url, store):
    target = store.holder_event("H0003", "ApplicationFiled")
    store.delete(target)
    code, report = verify_json(db_url)
    assert code == 1
    assert report["first_discrepancy"]["kind"] == "removed"
    assert _named(report) == [(target, "H0003", "ApplicationFiled")]
    assert report["message"].endswith("was removed")


def test_removing_the_last_event_is_named(db_url, store):
    last = store.ids()[-1]
    store.delete(last)
    code, report = verify_json(db_url)
    assert code == 1 and report["first_discrepancy"]["kind"] == "removed"
    assert _named(report)[0][0] == last


def test_an_inserted_event_is_named(db_url, store):
    at = store.holder_event("H0002", "FeePaid")
    store.insert_before(at, copy_of=store.holder_event("H0001", "FeePaid"))
    code, report = verify_json(db_url)
    assert code == 1
    assert report["first_discrepancy"]["kind"] == "inserted"
    assert _named(report) == [(at, "H0001", "FeePaid")]  # the copy, at the new id


def test_two_swapped_events_are_named(db_url, store):
    first = store.holder_event("H0001", "ApplicationFiled")
    second = store.ids()[store.ids().index(first) + 1]
    store.swap(first, second)
    code, report = verify_json(db_url)
    assert code == 1
    assert report["first_discrepancy"]["kind"] == "swapped"
    assert [n for n, _, _ in _named(report)] == [first, second]
    assert report["message"].endswith("were swapped")


def test_a_rewrite_of_the_ledger_table_as_well_is_caught_by_the_checkpoint(db_url, store):
    target = store.holder_event("H0002", "ExamPassed")
    store.alter(target)
    row = store.row(target)
    forged = leaf_hash(leaf.encode(row.topic, UUID(str(row.originator_id)),
                                   row.originator_version, bytes(row.state)))
    table = store.table.replace("lifecycle_events", "ledger_leaves").replace(
        "stored_events", "ledger_leaves")
    with store.engine.begin() as conn:
        conn.execute(text(f"UPDATE {table} SET leaf_hash = :h WHERE notification_id = :i"),
                     {"h": forged, "i": target})
    code, report = verify_json(db_url)
    assert code == 1
    assert report["first_discrepancy"] is None  # the two tables agree ...
    # ... but not the signed root
    assert "does not match the store" in report["checkpoints"][0]["problem"]


def test_a_checkpoint_signed_with_another_key_is_refused(db_url, store, tmp_path):
    exported = json.loads(run(db_url, "ledger", "export-checkpoint").stdout)
    other = KeyRing.init(tmp_path / "other")
    signed = checkpoints.sign(other, exported["tree_size"], bytes.fromhex(exported["root_hash"]))
    path = tmp_path / "foreign.json"
    path.write_text(json.dumps(signed.to_json(other)))
    code, report = verify_json(db_url, "--checkpoint", str(path))
    assert code == 1
    assert report["first_discrepancy"] is None
    refused = [c for c in report["checkpoints"] if not c["ok"]]
    assert len(refused) == 1 and "not one of the body's keys" in refused[0]["problem"]


def test_a_kept_checkpoint_still_verifies_after_a_key_rotation(db_url, store, tmp_path):
    kept = tmp_path / "kept.json"
    kept.write_text(run(db_url, "ledger", "export-checkpoint").stdout)
    assert run(db_url, "keys", "rotate").exit_code == 0
    assert run(db_url, "ledger", "checkpoint").exit_code == 0
    code, report = verify_json(db_url, "--checkpoint", str(kept))
    assert code == 0, report
    assert len({c["key_id"] for c in report["checkpoints"]}) == 2


def test_without_the_key_directory_every_checkpoint_is_refused(db_url, store, monkeypatch,
                                                               tmp_path):
    monkeypatch.setenv("LIFECYCLE_KEY_DIR", str(tmp_path / "elsewhere"))
    code, report = verify_json(db_url)
    assert code == 1 and not report["checkpoints"][0]["ok"]


def test_only_the_checkpoints_after_an_altered_event_fail(db_url, store):
    from tests.integration import cli_driver as cli

    cli.apply_ok(db_url, [cli.log_cpd("H0001", "e-1", "A", "2027-05-10", "3", "2027-05-11")])
    assert run(db_url, "ledger", "checkpoint").exit_code == 0
    cli.apply_ok(db_url, [cli.log_cpd("H0001", "e-2", "A", "2027-06-10", "3", "2027-06-11")])
    assert run(db_url, "ledger", "checkpoint").exit_code == 0
    store.alter(store.holder_event("H0001", "CPDLogged"))  # after the first checkpoint
    code, report = verify_json(db_url)
    assert code == 1
    assert [c["ok"] for c in report["checkpoints"]] == [True, False, False]
    assert report["first_discrepancy"]["events"][0]["event_type"] == "CPDLogged"
