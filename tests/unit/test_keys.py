"""The key ring: ids, file modes, rotation keeping old public keys, refusals."""

from __future__ import annotations

import hashlib
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from lifecycle.keys import KeyRing, KeyRingError, key_directory, key_id_of
from lifecycle.settings import Settings


def test_init_writes_a_0600_private_key_named_by_its_public_key_hash(tmp_path):
    ring = KeyRing.init(tmp_path / "keys")
    active = ring.active()
    assert active.key_id == hashlib.sha256(active.raw).hexdigest()[:16]
    private = tmp_path / "keys" / f"{active.key_id}.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_a_signature_verifies_with_the_active_public_key_only(tmp_path):
    ring = KeyRing.init(tmp_path / "keys")
    signature = ring.sign(b"tree 5")
    assert ring.active().verify(signature, b"tree 5")
    assert not ring.active().verify(signature, b"tree 6")


def test_rotation_keeps_old_public_keys_and_drops_the_old_private_key(tmp_path):
    ring = KeyRing.init(tmp_path / "keys")
    old_id, old_signature = ring.active_id, ring.sign(b"m")
    rotated = ring.rotate()
    assert rotated.active_id != old_id
    assert rotated.public(old_id).verify(old_signature, b"m")
    assert not (tmp_path / "keys" / f"{old_id}.key").exists()
    assert [k.key_id for k in KeyRing.load(tmp_path / "keys").publics()] == [
        old_id, rotated.active_id]
    assert rotated.active().verify(rotated.sign(b"m"), b"m")


def test_init_twice_is_refused(tmp_path):
    KeyRing.init(tmp_path / "keys")
    with pytest.raises(KeyRingError, match="rotate"):
        KeyRing.init(tmp_path / "keys")


def test_a_missing_directory_says_to_run_init(tmp_path):
    with pytest.raises(KeyRingError, match="keys init"):
        KeyRing.load(tmp_path / "nowhere")


def test_a_private_key_readable_by_others_is_refused(tmp_path):
    ring = KeyRing.init(tmp_path / "keys")
    (tmp_path / "keys" / f"{ring.active_id}.key").chmod(0o644)
    with pytest.raises(KeyRingError, match="chmod 600"):
        KeyRing.load(tmp_path / "keys").sign(b"m")


def test_an_unknown_key_id_has_no_public_key(tmp_path):
    assert KeyRing.init(tmp_path / "keys").public("0123456789abcdef") is None


def test_a_public_file_under_another_id_is_refused(tmp_path):
    ring = KeyRing.init(tmp_path / "keys")
    pub = (tmp_path / "keys" / f"{ring.active_id}.pub").read_bytes()
    (tmp_path / "keys" / "0000000000000000.pub").write_bytes(pub)
    with pytest.raises(KeyRingError, match="holds key"):
        KeyRing.load(tmp_path / "keys")


def test_key_id_of_matches_the_raw_public_key_hash():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = Ed25519PrivateKey.generate().public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert key_id_of(public) == hashlib.sha256(raw).hexdigest()[:16]


def test_the_key_directory_defaults_beside_the_sqlite_file(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db' / 'lifecycle.db'}")
    assert key_directory(settings) == (tmp_path / "db" / "keys").resolve()
    chosen = Settings.from_env({"LIFECYCLE_KEY_DIR": "/srv/keys"})
    assert key_directory(chosen).as_posix() == "/srv/keys"
