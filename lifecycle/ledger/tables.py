"""The ledger's tables, in the read database beside the read models but in a metadata of
their own: a read-model rebuild drops and recreates its tables, never these.

ledger_state: one row, the projection's tracking (last notification id hashed), tree size
and frontier, all moved in the transaction that inserts the page's leaves.
ledger_leaves: one row per leaf in log order, enough to name an event that later goes
missing (notification id, originator, version, type) and its leaf hash.
ledger_checkpoints: every signed checkpoint (docs/ledger.md gives the signed text).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

# On SQLite only INTEGER PRIMARY KEY is the rowid itself (no second index to maintain).
_ROW_KEY = BigInteger().with_variant(Integer(), "sqlite")

state = Table(
    "ledger_state", metadata,
    Column("name", String(32), primary_key=True),
    Column("position", BigInteger, nullable=False),  # last notification id in the tree
    Column("tree_size", BigInteger, nullable=False),
    Column("frontier", LargeBinary, nullable=False),  # 32-byte hashes, largest subtree first
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

leaves = Table(
    "ledger_leaves", metadata,
    Column("leaf_index", _ROW_KEY, primary_key=True, autoincrement=False),  # from 0
    Column("notification_id", BigInteger, nullable=False),
    Column("originator_id", String(32), nullable=False),  # uuid hex
    Column("originator_version", BigInteger, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("leaf_hash", LargeBinary(32), nullable=False),
)

checkpoints = Table(
    "ledger_checkpoints", metadata,
    Column("checkpoint_id", _ROW_KEY, primary_key=True, autoincrement=True),
    Column("tree_size", BigInteger, nullable=False),
    Column("root_hash", LargeBinary(32), nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
)
