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
from lifecycle.ledger.merkle import audit_path, levels

FORMAT = "lifecycle-ledger-inclusion/v1"


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
