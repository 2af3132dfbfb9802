"""The tamper-evident ledger: an RFC 6962 Merkle tree over the event store's notification
log, kept as a projection (`projection`), signed checkpoints of it (`checkpoints`), the audit
that recomputes it from the store (`audit`) and inclusion proofs an auditor checks offline
(`proofs`). docs/ledger.md explains the formats and the auditor's procedure."""
