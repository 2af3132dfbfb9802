"""Signed checkpoints: the tree's size and root at a moment, signed by the body's active key.

The signed bytes are five lines of UTF-8 text, each ending in a newline:

    lifecycle-ledger-checkpoint/v1
    <tree size, decimal>
    <root hash, 64 lowercase hex digits>
    <signed at, UTC, YYYY-MM-DDTHH:MM:SSZ>
    <key id>

An auditor keeps the exported JSON (`to_json`); `check` refuses a checkpoint whose key is
not one of the body's (or whose exported public key is not the body's key of that id) and
one whose signature does not verify.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from lifecycle.keys import KeyRing
from lifecycle.ledger import tables

FORMAT = "lifecycle-ledger-checkpoint/v1"


class CheckpointError(ValueError):
    """A checkpoint file that is not one (the sentence says what is wrong)."""


@dataclass(frozen=True)
class Checkpoint:
    tree_size: int
    root_hash: bytes
    signed_at: datetime
    key_id: str
    signature: bytes
    public_key: str | None = None  # base64 raw key, as exported (None: from the database)
    source: str = "database"  # or the file it was read from

    def body(self) -> bytes:
        return signed_body(self.tree_size, self.root_hash, self.signed_at, self.key_id)

    def to_json(self, ring: KeyRing | None = None) -> dict:
        public = self.public_key
        if public is None and ring is not None and ring.public(self.key_id):
            public = ring.public(self.key_id).raw_b64
        return {"format": FORMAT, "tree_size": self.tree_size,
                "root_hash": self.root_hash.hex(), "signed_at": _iso(self.signed_at),
                "key_id": self.key_id, "public_key": public,
                "signature": base64.b64encode(self.signature).decode()}

    @classmethod
    def from_json(cls, doc: object, source: str) -> Checkpoint:
        try:
            if doc["format"] != FORMAT:
                raise CheckpointError(f"{source}: format {doc['format']!r}, not {FORMAT}")
            return cls(
                tree_size=int(doc["tree_size"]), root_hash=bytes.fromhex(doc["root_hash"]),
                signed_at=datetime.fromisoformat(doc["signed_at"].replace("Z", "+00:00")),
                key_id=str(doc["key_id"]), public_key=doc.get("public_key"),
                signature=base64.b64decode(doc["signature"], validate=True), source=source)
        except CheckpointError:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise CheckpointError(f"{source} is not a ledger checkpoint: {error}") from None


def signed_body(tree_size: int, root_hash: bytes, signed_at: datetime, key_id: str) -> bytes:
    return f"{FORMAT}\n{tree_size}\n{root_hash.hex()}\n{_iso(signed_at)}\n{key_id}\n".encode()


def _iso(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def sign(ring: KeyRing, tree_size: int, root_hash: bytes, now: datetime | None = None
         ) -> Checkpoint:
    moment = _utc(now or datetime.now(UTC)).replace(microsecond=0)
    key_id = ring.active_id
    signature = ring.sign(signed_body(tree_size, root_hash, moment, key_id))
    return Checkpoint(tree_size, root_hash, moment, key_id, signature)


def record(engine: Engine, checkpoint: Checkpoint) -> None:
    with engine.begin() as conn:
        conn.execute(insert(tables.checkpoints).values(
            tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash,
            signed_at=checkpoint.signed_at, key_id=checkpoint.key_id,
            signature=checkpoint.signature))


def recorded(engine: Engine) -> list[Checkpoint]:
    """Every checkpoint in the database, oldest first."""
    c = tables.checkpoints
    with engine.connect() as conn:
        rows = conn.execute(select(c).order_by(c.c.checkpoint_id)).all()
    return [Checkpoint(r.tree_size, bytes(r.root_hash), _utc(r.signed_at), r.key_id,
                       bytes(r.signature), source=f"database checkpoint {r.checkpoint_id}")
            for r in rows]


def check(checkpoint: Checkpoint, ring: KeyRing) -> str | None:
    """Why the checkpoint's signature is refused, or None when it is the body's."""
    public = ring.public(checkpoint.key_id)
    if public is None:
        return (f"{checkpoint.source} is signed by key {checkpoint.key_id}, which is not "
                "one of the body's keys")
    if checkpoint.public_key is not None and checkpoint.public_key != public.raw_b64:
        return (f"{checkpoint.source} carries a public key that is not the body's key "
                f"{checkpoint.key_id}")
    if not public.verify(checkpoint.signature, checkpoint.body()):
        return f"{checkpoint.source}: the signature does not verify with key {checkpoint.key_id}"
    return None
