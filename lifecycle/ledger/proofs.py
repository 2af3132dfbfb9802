"""Inclusion proofs: a holder's events, each with its RFC 6962 audit path, against a signed
checkpoint, in one JSON document an auditor checks with no access to the database
(docs/ledger.md gives the procedure and a standalone verifier).

The proof is built from the store's log as it is now, not from the ledger's leaves: an
event changed since the checkpoint gives a proof that fails, which is the point.
"""

from __future__ import annotations

import base64

from aggregates.errors import DomainError
from aggregates.holder import holder_id
from lifecycle.keys import KeyRing
from lifecycle.ledger import leaf
from lifecycle.ledger.audit import store_items
from lifecycle.ledger.checkpoints import Checkpoint
from lifecycle.ledger.merkle import audit_path, consistency_path, levels

FORMAT = "lifecycle-ledger-inclusion/v1"
CONSISTENCY_FORMAT = "lifecycle-ledger-consistency/v1"


def _hashes(recorder, size: int) -> list[bytes]:
    hashes = []
    for item, _ in store_items(recorder):
        if item.leaf_index >= size:
            break
        hashes.append(item.hashed)
    return hashes


def consistency_proof(recorder, old: Checkpoint, new: Checkpoint, ring: KeyRing) -> dict:
    """RFC 6962 §2.1.2: the tree an auditor's older checkpoint signed is a prefix of the
    newer one's, so nothing it covered was changed since (checkable offline)."""
    if not 0 < old.tree_size <= new.tree_size:
        raise DomainError("INVALID_INPUT", f"no proof from a tree of {old.tree_size} events to "
                          f"one of {new.tree_size}: the older checkpoint comes first")
    hashes = _hashes(recorder, new.tree_size)
    matches = len(hashes) == new.tree_size
    tower = levels(hashes) if hashes else [[]]
    matches = matches and tower[-1][0] == new.root_hash
    return {
        "format": CONSISTENCY_FORMAT,
        "old": old.to_json(ring),
        "new": new.to_json(ring),
        "store_matches_checkpoint": matches,
        "consistency_path": [h.hex() for h in consistency_path(tower, old.tree_size,
                                                               new.tree_size)]
        if len(hashes) == new.tree_size else [],
    }


def holder_proof(recorder, holder: str, checkpoint: Checkpoint, ring: KeyRing) -> dict:
    """Every event of `holder` among the checkpoint's first `tree_size` events, proved."""
    wanted = holder_id(holder).hex
    hashes: list[bytes] = []
    mine: list[tuple[int, object]] = []
    for item, notification in store_items(recorder):
        if item.leaf_index >= checkpoint.tree_size:
            break
        hashes.append(item.hashed)
        if item.originator_id == wanted:
            mine.append((item.leaf_index, notification))
    if not mine:
        raise DomainError("UNKNOWN_HOLDER",
                          f"holder {holder} has no event among the {checkpoint.tree_size} "
                          "events of the latest checkpoint")
    tower = levels(hashes)
    return {
        "format": FORMAT,
        "holder": holder,
        "checkpoint": checkpoint.to_json(ring),
        "store_matches_checkpoint": len(hashes) == checkpoint.tree_size
        and tower[-1][0] == checkpoint.root_hash,
        "events": [{
            "leaf_index": index,
            "notification_id": n.id,
            "event_type": leaf.event_type(n.topic),
            "originator_version": n.originator_version,
            "leaf": base64.b64encode(leaf.of(n)).decode(),
            "audit_path": [h.hex() for h in audit_path(tower, index)],
        } for index, n in mine],
    }
