"""Signed checkpoints: the signed text, refusals of other keys and of edited fields."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from lifecycle.keys import KeyRing
from lifecycle.ledger import checkpoints
from lifecycle.ledger.checkpoints import Checkpoint

ROOT = bytes(range(32))
NOW = datetime(2030, 4, 1, 0, 5, 7, 123456, tzinfo=UTC)


def test_the_signed_text_is_five_lines(tmp_path):
    ring = KeyRing.init(tmp_path / "k")
    signed = checkpoints.sign(ring, 12, ROOT, NOW)
    assert signed.body().decode() == (
        f"lifecycle-ledger-checkpoint/v1\n12\n{ROOT.hex()}\n2030-04-01T00:05:07Z\n"
        f"{ring.active_id}\n")
    assert checkpoints.check(signed, ring) is None


def test_an_exported_checkpoint_reads_back_and_still_verifies(tmp_path):
    ring = KeyRing.init(tmp_path / "k")
    exported = checkpoints.sign(ring, 12, ROOT, NOW).to_json(ring)
    again = Checkpoint.from_json(exported, "cp.json")
    assert again.to_json() == exported
    assert checkpoints.check(again, ring) is None


def test_a_checkpoint_signed_by_another_key_is_refused(tmp_path):
    ours, theirs = KeyRing.init(tmp_path / "ours"), KeyRing.init(tmp_path / "theirs")
    foreign = checkpoints.sign(theirs, 12, ROOT, NOW)
    assert "not one of the body's keys" in checkpoints.check(foreign, ours)


def test_a_foreign_signature_under_our_key_id_is_refused(tmp_path):
    ours, theirs = KeyRing.init(tmp_path / "ours"), KeyRing.init(tmp_path / "theirs")
    forged = dataclasses.replace(checkpoints.sign(theirs, 12, ROOT, NOW), key_id=ours.active_id)
    assert "does not verify" in checkpoints.check(forged, ours)
    with_key = Checkpoint.from_json({**forged.to_json(theirs),
                                     "public_key": theirs.active().raw_b64}, "cp.json")
    assert "not the body's key" in checkpoints.check(with_key, ours)


def test_an_edited_size_or_root_breaks_the_signature(tmp_path):
    ring = KeyRing.init(tmp_path / "k")
    signed = checkpoints.sign(ring, 12, ROOT, NOW)
    assert checkpoints.check(dataclasses.replace(signed, tree_size=13), ring) is not None
    assert checkpoints.check(dataclasses.replace(signed, root_hash=bytes(32)), ring) is not None


def test_a_checkpoint_signed_before_a_rotation_still_verifies(tmp_path):
    ring = KeyRing.init(tmp_path / "k")
    signed = checkpoints.sign(ring, 12, ROOT, NOW)
    assert checkpoints.check(signed, ring.rotate()) is None
