"""A key directory of Ed25519 keys, and signing and verifying with them.

Layout (one file per key, named by its key id):

    <dir>/active            the active key id (one line)
    <dir>/<key id>.key      private key, PEM PKCS#8, mode 0600 (only the active key has one)
    <dir>/<key id>.pub      public key, PEM SubjectPublicKeyInfo (every key ever active)

A key id is the first 16 hex digits of SHA-256 over the raw 32-byte public key, so anyone
holding the public key can recompute it. Rotating writes a new key, makes it active and
deletes the old private key (a key is rotated because it may be exposed; nothing old needs
signing again), keeping its public key so old signatures still verify. A private key file
readable by group or others is refused, as ssh refuses one.
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ACTIVE = "active"


class KeyRingError(Exception):
    """The key directory is missing, incomplete or unsafe; the sentence says what to do."""


def key_id_of(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()[:16]


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    key: Ed25519PublicKey
    created_at: datetime  # the public file's modification time: when the key was made

    @property
    def raw(self) -> bytes:
        return _raw(self.key)

    @property
    def raw_b64(self) -> str:
        return base64.b64encode(self.raw).decode()

    def verify(self, signature: bytes, message: bytes) -> bool:
        try:
            self.key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def to_dict(self, active: bool = False) -> dict:
        return {"key_id": self.key_id, "algorithm": "Ed25519", "public_key": self.raw_b64,
                "created_at": self.created_at.isoformat(), "active": active}


class KeyRing:
    def __init__(self, directory: Path, active_id: str, publics: dict[str, PublicKey]):
        self.directory = directory
        self.active_id = active_id
        self._publics = publics
        self._private: Ed25519PrivateKey | None = None

    # ------------------------------------------------------------------ life cycle

    @classmethod
    def load(cls, directory: str | Path) -> KeyRing:
        directory = Path(directory)
        active_file = directory / ACTIVE
        if not active_file.is_file():
            raise KeyRingError(f"no signing key in {directory}: run `lifecycle keys init`")
        active_id = active_file.read_text().strip()
        publics = {}
        for path in sorted(directory.glob("*.pub")):
            key = serialization.load_pem_public_key(path.read_bytes())
            if not isinstance(key, Ed25519PublicKey):
                raise KeyRingError(f"{path} is not an Ed25519 public key")
            if key_id_of(key) != path.stem:
                raise KeyRingError(f"{path} holds key {key_id_of(key)}, not {path.stem}")
            created = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            publics[path.stem] = PublicKey(path.stem, key, created)
        if active_id not in publics:
            raise KeyRingError(f"the active key {active_id} has no public key in {directory}")
        return cls(directory, active_id, publics)

    @classmethod
    def init(cls, directory: str | Path) -> KeyRing:
        """Create the directory and its first key; refuses if a key is already active."""
        directory = Path(directory)
        if (directory / ACTIVE).exists():
            raise KeyRingError(f"{directory} already holds a signing key: use `lifecycle keys "
                            "rotate` to replace it")
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _new_key(directory)
        return cls.load(directory)

    def rotate(self) -> KeyRing:
        """A new active key; the old one keeps only its public key."""
        old = self.active_id
        _new_key(self.directory)
        (self.directory / f"{old}.key").unlink(missing_ok=True)
        return KeyRing.load(self.directory)

    # ------------------------------------------------------------------ use

    def active(self) -> PublicKey:
        return self._publics[self.active_id]

    def public(self, key_id: str) -> PublicKey | None:
        """The public key with this id, active or retired; None for a key never ours."""
        return self._publics.get(key_id)

    def publics(self) -> list[PublicKey]:
        return sorted(self._publics.values(), key=lambda k: (k.created_at, k.key_id))

    def sign(self, message: bytes) -> bytes:
        """An Ed25519 signature by the active key."""
        return self._active_private().sign(message)

    def _active_private(self) -> Ed25519PrivateKey:
        if self._private is None:
            path = self.directory / f"{self.active_id}.key"
            if not path.is_file():
                raise KeyRingError(f"the private key of {self.active_id} is missing from "
                                f"{self.directory}")
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                raise KeyRingError(f"{path} is readable by others (mode {mode:o}): "
                                f"chmod 600 {path}")
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey) or key_id_of(key.public_key()) != \
                    self.active_id:
                raise KeyRingError(f"{path} is not the private key of {self.active_id}")
            self._private = key
        return self._private


def _new_key(directory: Path) -> str:
    """Write a fresh key pair (the private file created 0600, never wider) and make it
    active; the `active` file is replaced atomically, so a crash leaves one active key."""
    private = Ed25519PrivateKey.generate()
    key_id = key_id_of(private.public_key())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd = os.open(directory / f"{key_id}.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    (directory / f"{key_id}.pub").write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    tmp = directory / f"{ACTIVE}.tmp"
    tmp.write_text(key_id + "\n")
    os.replace(tmp, directory / ACTIVE)
    return key_id
