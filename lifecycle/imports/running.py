"""Running an import: every row one command, saved in chunks, each row judged on its own.

A row ends in one of five outcomes. `recorded` and `already_recorded` (the file, or this row,
was imported before: nothing new) and `unmatched` (a bank transfer filed in the unmatched
queue) are successes; `rejected` is a failure the report lists; `valid` is a dry run's
verdict on a row whose shape is right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

import structlog

from aggregates.errors import DomainError
from lifecycle.application import LifecycleApplication
from lifecycle.commands import parse_command
from lifecycle.imports.reading import CsvFile

log = structlog.get_logger("lifecycle.imports")

CHUNK = 200  # rows saved per transaction, as `apply` does; each still succeeds or fails alone

RECORDED, ALREADY_RECORDED, UNMATCHED, REJECTED, VALID = (
    "recorded", "already_recorded", "unmatched", "rejected", "valid")
SUCCESSES = (RECORDED, ALREADY_RECORDED, UNMATCHED, VALID)


@dataclass(frozen=True)
class Row:
    file: str
    line: int
    command: dict | None  # None when the row could not become a command (see `problem`)
    problem: str | None = None

    @property
    def actor(self) -> str:
        """Who recorded the events: the import file and line (SPEC §7)."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Outcome:
    row: Row
    kind: str
    code: str | None = None
    message: str | None = None
    detail: dict | None = None  # e.g. the holder a transfer was matched to

    def to_dict(self) -> dict:
        return {"file": self.row.file, "line": self.row.line, "outcome": self.kind,
                "code": self.code, "message": self.message, **(self.detail or {})}


class ImportKind(Protocol):
    """One kind of file: how it is read into rows and how a row's result is judged."""

    name: str

    def read(self, path: Path, encoding: str | None) -> tuple[list[Row], str]:
        """The rows of the file (or directory), and the encoding they were read with."""

    def seen_before(self, app: LifecycleApplication, row: Row) -> bool:
        """True when the row is already on record, known before running it."""

    def judge(self, app: LifecycleApplication, row: Row, result: dict) -> Outcome:
        """The outcome of a row from the result of its command."""


def csv_rows(table: CsvFile, command: Callable[[dict[str, str]], dict]) -> list[Row]:
    """A CSV file's rows as commands; a row with the wrong number of cells stays a problem."""
    return [Row(table.name, r.line, None if r.problem else command(r.values), r.problem)
            for r in table.rows]


def rejected(row: Row, code: str, message: str) -> Outcome:
    return Outcome(row, REJECTED, code, message)


def judge_plain(row: Row, result: dict) -> Outcome:
    """The default: events mean recorded, no events mean it was on record already."""
    if not result["ok"]:
        return rejected(row, result["error"]["code"], result["error"]["message"])
    return Outcome(row, RECORDED if result["events"] else ALREADY_RECORDED)


def run(app: LifecycleApplication, kind: ImportKind, rows: list[Row], *, today: date,
        dry_run: bool = False, chunk: int = CHUNK,
        on_progress: Callable[[int], None] = lambda _n: None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for part in _chunks(rows, chunk):
        outcomes.extend(_run_chunk(app, kind, part, today=today, dry_run=dry_run))
        on_progress(len(part))
    return outcomes


def _chunks(rows: list[Row], size: int) -> Iterator[list[Row]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _run_chunk(app: LifecycleApplication, kind: ImportKind, rows: list[Row], *, today: date,
               dry_run: bool) -> list[Outcome]:
    settled: dict[int, Outcome] = {}
    to_run: list[tuple[int, Row]] = []
    for index, row in enumerate(rows):
        if row.command is None:
            settled[index] = rejected(row, "INVALID_INPUT", row.problem or "unreadable row")
        elif kind.seen_before(app, row):
            settled[index] = Outcome(row, ALREADY_RECORDED)
        elif dry_run:
            settled[index] = _check_shape(row, today)
        else:
            to_run.append((index, row))
    if to_run:
        results = _execute(app, [r for _, r in to_run], today)
        for (index, row), result in zip(to_run, results, strict=True):
            settled[index] = kind.judge(app, row, result)
    return [settled[i] for i in range(len(rows))]


def _check_shape(row: Row, today: date) -> Outcome:
    """A dry run can only check the shape: business rules need the records (and recording)."""
    try:
        parse_command(row.command, today)
    except DomainError as error:
        return rejected(row, error.code, error.message)
    return Outcome(row, VALID)


def _execute(app: LifecycleApplication, rows: list[Row], today: date) -> list[dict]:
    commands, actors = [r.command for r in rows], [r.actor for r in rows]
    try:
        return app.execute_many(commands, actors=actors, today=today)
    except Exception:  # a bug must not take the rest of the file with it: go row by row
        log.exception("import.batch_crashed", first=actors[0])
        return [_execute_one(app, c, a, today) for c, a in zip(commands, actors, strict=True)]


def _execute_one(app: LifecycleApplication, command: dict, actor: str, today: date) -> dict:
    try:
        return app.execute(command, actor=actor, today=today)
    except Exception:
        log.exception("import.row_crashed", actor=actor)
        return {"ok": False, "error": {"code": "INTERNAL_ERROR",
                                       "message": f"{actor} could not be processed; see the log"}}
