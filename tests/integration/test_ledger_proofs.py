"""Inclusion proofs (`lifecycle verify --holder`), checked by the standalone verifier printed
in docs/ledger.md, with nothing but the proof and the body's public key."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest

from lifecycle.application import LifecycleApplication
from lifecycle.keys import KeyRing
from lifecycle.ledger import checkpoints as cps
from lifecycle.ledger import leaf
from lifecycle.ledger.merkle import leaf_hash, root_of
from lifecycle.settings import Settings
from tests.integration import cli_driver as cli
from tests.integration.ledger_support import (
    HOLDERS,
    Store,
    populate,
    run,
    standalone_verifier,
)


@pytest.fixture
def proved(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LIFECYCLE_KEY_DIR", str(tmp_path / "keys"))
    populate(db_url)
    run(db_url, "keys", "init")
    run(db_url, "ledger", "checkpoint")
    return KeyRing.load(tmp_path / "keys").active().raw_b64


def _proof(db_url: str, holder: str) -> tuple[int, dict]:
    result = run(db_url, "verify", "--holder", holder)
    return result.exit_code, json.loads(result.stdout)


def test_every_holders_proof_verifies_offline(db_url, proved):
    verify, _ = standalone_verifier()
    for holder in HOLDERS:
        code, proof = _proof(db_url, holder)
        assert code == 0 and proof["store_matches_checkpoint"], proof
        assert verify(proof, proved) == len(proof["events"]) > 0
        for event in proof["events"]:  # each leaf is one of this holder's events
            topic, _, version, _ = leaf.decode(base64.b64decode(event["leaf"]))
            assert leaf.event_type(topic) == event["event_type"]
            assert version == event["originator_version"]


def test_a_forged_event_fails_the_offline_check(db_url, proved):
    verify, _ = standalone_verifier()
    _, proof = _proof(db_url, "H0001")
    raw = base64.b64decode(proof["events"][0]["leaf"])
    proof["events"][0]["leaf"] = base64.b64encode(raw.replace(b"2026", b"2025", 1)).decode()
    with pytest.raises(SystemExit, match="not in tree"):
        verify(proof, proved)


def test_a_proof_against_another_key_fails_the_offline_check(db_url, proved, tmp_path):
    verify, _ = standalone_verifier()
    _, proof = _proof(db_url, "H0001")
    other = KeyRing.init(tmp_path / "other").active().raw_b64
    with pytest.raises(SystemExit, match="not signed by this key"):
        verify(proof, other)


def test_an_event_altered_in_the_store_gives_a_proof_that_fails(db_url, proved):
    verify, _ = standalone_verifier()
    store = Store(db_url)
    store.alter(store.holder_event("H0003", "ExamPassed"))
    code, proof = _proof(db_url, "H0003")
    assert code == 1 and not proof["store_matches_checkpoint"]
    with pytest.raises(SystemExit, match="not in tree"):
        verify(proof, proved)


def test_the_documented_script_runs_as_a_program(db_url, proved, tmp_path):
    _, block = standalone_verifier()
    script, proof_file = tmp_path / "verify_proof.py", tmp_path / "proof.json"
    script.write_text(block)
    proof_file.write_text(json.dumps(_proof(db_url, "H0002")[1]))
    done = subprocess.run([sys.executable, str(script), str(proof_file), proved],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("events verified")


def test_an_unknown_holder_has_no_proof(db_url, proved):
    code, doc = _proof(db_url, "H9999")
    assert code == 1 and doc["error"]["code"] == "UNKNOWN_HOLDER"


def _consistency_scripts(tmp_path):
    from tests.integration.ledger_support import doc_blocks

    proof_script, consistency_script = doc_blocks()[:2]
    (tmp_path / "verify_proof.py").write_text(proof_script)
    (tmp_path / "verify_consistency.py").write_text(consistency_script)


def _check_consistency(tmp_path, doc: dict, key: str) -> subprocess.CompletedProcess:
    (tmp_path / "consistency.json").write_text(json.dumps(doc))
    return subprocess.run([sys.executable, "verify_consistency.py", "consistency.json", key],
                          capture_output=True, text=True, cwd=tmp_path)


def test_a_newer_checkpoint_is_proved_to_extend_a_kept_one(db_url, proved, tmp_path):
    _consistency_scripts(tmp_path)
    kept = tmp_path / "kept.json"
    kept.write_text(run(db_url, "ledger", "export-checkpoint").stdout)
    cli.apply_ok(db_url, [cli.log_cpd("H0001", "e-1", "A", "2027-05-10", "3", "2027-05-11")])
    run(db_url, "ledger", "checkpoint")
    result = run(db_url, "ledger", "prove-consistency", "--from", str(kept))
    assert result.exit_code == 0, result.stdout
    doc = json.loads(result.stdout)
    assert doc["old"]["tree_size"] < doc["new"]["tree_size"]
    done = _check_consistency(tmp_path, doc, proved)
    assert done.returncode == 0, done.stderr
    forged = {**doc, "old": {**doc["old"], "root_hash": "00" * 32}}
    assert _check_consistency(tmp_path, forged, proved).returncode != 0


def test_a_history_rewritten_under_a_kept_checkpoint_gives_no_consistency(db_url, proved,
                                                                         tmp_path):
    _consistency_scripts(tmp_path)
    kept = tmp_path / "kept.json"
    kept.write_text(run(db_url, "ledger", "export-checkpoint").stdout)
    store = Store(db_url)
    store.alter(store.holder_event("H0002", "ExamPassed"))
    # whoever rewrote it signs the rewritten history with the body's key
    app = LifecycleApplication(Settings(database_url=db_url))
    log = app.recorder.select_notifications(1, 1_000_000)
    rewritten, size = root_of(leaf_hash(leaf.of(n)) for n in log), len(log)
    app.close()
    ring = KeyRing.load(tmp_path / "keys")
    new = tmp_path / "new.json"
    new.write_text(json.dumps(cps.sign(ring, size, rewritten).to_json(ring)))
    result = run(db_url, "ledger", "prove-consistency", "--from", str(kept), "--to", str(new))
    doc = json.loads(result.stdout)
    assert _check_consistency(tmp_path, doc, proved).returncode != 0
