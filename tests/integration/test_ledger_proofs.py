"""Inclusion proofs (`lifecycle verify --holder`), checked by the standalone verifier printed
in docs/ledger.md, with nothing but the proof and the body's public key."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest

from lifecycle.keys import KeyRing
from lifecycle.ledger import leaf
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
