"""A small population, the ledger's CLI, and plain-SQL tampering with the event store on
either backend (what someone with write access to the database could do)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import create_engine, text

from lifecycle.settings import Settings
from tests.integration import cli_driver as cli

HOLDERS = [f"H{n:04d}" for n in range(1, 6)]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "ledger.md"


def populate(db_url: str) -> None:
    """Five holders: three certified, two with an exam pass only."""
    commands = []
    for n, (holder, person) in enumerate(zip(HOLDERS, cli.PEOPLE, strict=True), start=1):
        number = f"P26-{n:06d}"
        if n <= 3:
            commands += cli.certification_batch(holder, pass_number=number, person=person,
                                                ref=f"B-{holder}")
        else:
            commands.append(cli.exam_pass(holder, "CAP", number, "2026-06-15", person))
    cli.apply_ok(db_url, commands)


def run(db_url: str, *args: str):
    return cli._invoke(["--db", db_url, *args])


def verify_json(db_url: str, *args: str) -> tuple[int, dict]:
    result = run(db_url, "verify", "--json", *args)
    return result.exit_code, json.loads(result.stdout)


class Store:
    """The event table through SQLAlchemy, by notification id, on either backend."""

    def __init__(self, db_url: str):
        settings = Settings(database_url=db_url)
        self.engine = create_engine(settings.sqlalchemy_url())
        if settings.is_postgres:
            self.table, self.id = f'"{settings.schema}".lifecycle_events', "notification_id"
        else:
            self.table, self.id = "stored_events", "rowid"

    def sql(self, statement: str, **params):
        with self.engine.begin() as conn:
            return conn.execute(text(statement.format(t=self.table, id=self.id)), params)

    def ids(self) -> list[int]:
        return [r[0] for r in self.sql("SELECT {id} FROM {t} ORDER BY {id}")]

    def row(self, notification_id: int):
        return self.sql("SELECT originator_id, originator_version, topic, state FROM {t} "
                        "WHERE {id} = :i", i=notification_id).one()

    def alter(self, notification_id: int) -> None:
        state = bytes(self.row(notification_id).state)
        self.sql("UPDATE {t} SET state = :s WHERE {id} = :i", i=notification_id,
                 s=state.replace(b"2026", b"2025", 1))

    def delete(self, notification_id: int) -> None:
        self.sql("DELETE FROM {t} WHERE {id} = :i", i=notification_id)

    def insert_before(self, notification_id: int, copy_of: int) -> None:
        """Make room by renumbering the later events, then insert a copy of another holder's
        event (as a new version) at `notification_id`."""
        row = self.row(copy_of)
        self.sql("UPDATE {t} SET {id} = {id} + 1000000 WHERE {id} >= :i", i=notification_id)
        self.sql("INSERT INTO {t} (originator_id, originator_version, topic, state, {id}) "
                 "VALUES (:o, :v, :topic, :s, :i)", o=row.originator_id,
                 v=row.originator_version + 1000, topic=row.topic, s=bytes(row.state),
                 i=notification_id)

    def swap(self, first: int, second: int) -> None:
        self.sql("UPDATE {t} SET {id} = -1 WHERE {id} = :a", a=first)
        self.sql("UPDATE {t} SET {id} = :a WHERE {id} = :b", a=first, b=second)
        self.sql("UPDATE {t} SET {id} = :b WHERE {id} = -1", b=second)

    def holder_event(self, holder: str, type_name: str) -> int:
        """The notification id of a holder's first event of a type."""
        from aggregates.holder import holder_id

        uuid = holder_id(holder)
        for i in self.ids():
            row = self.row(i)
            same = str(row.originator_id).replace("-", "") == uuid.hex
            if same and row.topic.endswith(":" + type_name):
                return i
        raise AssertionError(f"{holder} has no {type_name}")


def doc_blocks() -> list[str]:
    """The Python blocks of docs/ledger.md: verify_proof.py, then verify_consistency.py."""
    return re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S)


def standalone_verifier():
    """The `verify` function of the first Python block in docs/ledger.md."""
    block = doc_blocks()[0]
    namespace: dict = {"__name__": "auditor"}
    exec(compile(block, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify"], block
