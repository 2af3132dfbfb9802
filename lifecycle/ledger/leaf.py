"""A stored event's exact bytes as one Merkle leaf.

    leaf = u32(len(topic)) || topic (UTF-8) || originator id (16 bytes, the UUID)
           || u64(originator version) || u32(len(state)) || state (as stored)

Big-endian lengths make the encoding unambiguous (no two events share a leaf), and the
state is hashed as the store holds it, so any change to a stored byte changes the leaf. The
notification id is not in the leaf: the leaf's place in the tree is its place in the log.
"""

from __future__ import annotations

import struct
from uuid import UUID

_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")


def encode(topic: str, originator_id: UUID, originator_version: int, state: bytes | str
           ) -> bytes:
    t = topic.encode()
    if isinstance(state, str):  # SQLite hands back TEXT when a row was rewritten by hand
        state = state.encode()
    return b"".join((_U32.pack(len(t)), t, originator_id.bytes, _U64.pack(originator_version),
                     _U32.pack(len(state)), state))


def of(notification) -> bytes:
    """The leaf of an eventsourcing Notification (or StoredEvent)."""
    return encode(notification.topic, notification.originator_id,
                  notification.originator_version, notification.state)


def decode(leaf: bytes) -> tuple[str, UUID, int, bytes]:
    """(topic, originator id, originator version, state): the inverse of `encode`."""
    (n,) = _U32.unpack_from(leaf, 0)
    topic = leaf[4:4 + n].decode()
    at = 4 + n
    originator = UUID(bytes=leaf[at:at + 16])
    (version,) = _U64.unpack_from(leaf, at + 16)
    (m,) = _U32.unpack_from(leaf, at + 24)
    state = leaf[at + 28:at + 28 + m]
    if at + 28 + m != len(leaf):
        raise ValueError("trailing bytes after the state")
    return topic, originator, version, state


def event_type(topic: str) -> str:
    """"aggregates.events:Certified" -> "Certified" (nested classes keep their last name)."""
    return topic.rpartition(":")[2].rpartition(".")[2]
