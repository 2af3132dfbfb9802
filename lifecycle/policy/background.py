"""A what-if replayed in a process of its own, its report left in a run directory: what the
office console starts when the board asks from a page (lifecycle.http.console.what_if_runs).

A process, not a thread of the server: at a million holders the replay is minutes of
Python folding, which in the server's process would hold the interpreter's lock against
every request the console and the API serve, and could not be stopped when the server
stops. The child is spawned (no database connection shared with the server), replays
with one job (the machine's other core stays the server's), dies with the server (the
rebuild workers' `die_with_parent`), and leaves in its directory either `report.json`
(header and counts; the differing rows stay in the share files beside it and are streamed
from there) or `failed.json` (a code and a sentence for the page). Neither file, once the
process has ended, means it was killed before it could say.

Nothing is written to the event store: `replay.what_if` applies the proposal in memory.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import Counter
from datetime import date
from multiprocessing.process import BaseProcess
from pathlib import Path

import structlog

from aggregates.errors import DomainError
from lifecycle.policy.replay import Report, what_if
from lifecycle.settings import Settings
from projections.store_faults import password_of, store_fault, store_name

log = structlog.get_logger("lifecycle.what_if")
REPORT, FAILED = "report.json", "failed.json"
CRASHED = "the what-if stopped on an unexpected error; the server log has the details"


def start(settings: Settings, proposal_text: str, as_of: date, directory: Path) -> BaseProcess:
    process = multiprocessing.get_context("spawn").Process(
        target=replay_into, name="what-if", daemon=True,
        args=(settings, proposal_text, as_of, str(directory), os.getpid()))
    process.start()
    return process


def replay_into(settings: Settings, proposal_text: str, as_of: date, directory: str,
                parent: int) -> None:
    """In the child: the report, or the failure, as a file of `directory`."""
    from lifecycle import logs
    from lifecycle.workers import die_with_parent

    die_with_parent(parent)
    logs.configure(settings.log_level, settings.log_format)
    folder = Path(directory)
    try:
        report = what_if(settings, proposal_text, as_of, 1, folder)
    except Exception as error:  # noqa: BLE001 - every failure becomes the page's sentence
        _write(folder / FAILED, failure(settings, error))
        return
    _write(folder / REPORT, _to_dict(report))


def failure(settings: Settings, error: Exception) -> dict:
    """{"code", "message"}: a database fault in the CLI's words, a refusal as refused, and
    anything else as a crash whose details go to the log only."""
    fault = store_fault(error, [password_of(settings.database_url)])
    if fault is not None:
        log.warning("what_if.store_fault", kind=fault.kind)
        return {"code": "UNAVAILABLE", "message": fault.sentence(store_name(
            settings.database_url))}
    if isinstance(error, DomainError):
        return error.to_dict()
    if isinstance(error, ValueError):  # the proposal (checked before the start) refused
        return {"code": "INVALID_INPUT", "message": str(error)}
    log.exception("what_if.crashed")
    return {"code": "INTERNAL_ERROR", "message": CRASHED}


def outcome(directory: Path, exitcode: int | None) -> Report | dict | None:
    """The finished run's report, its failure, or None while it still runs."""
    if exitcode is None:
        return None
    if (directory / REPORT).exists():
        return _from_dict(json.loads((directory / REPORT).read_text(encoding="utf-8")),
                          directory)
    if (directory / FAILED).exists():
        return json.loads((directory / FAILED).read_text(encoding="utf-8"))
    return {"code": "INTERNAL_ERROR",
            "message": f"the what-if process ended without a report (exit code {exitcode})"}


def _write(path: Path, document: dict) -> None:
    """Whole or not at all: a reader never meets half a file."""
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)


def _to_dict(report: Report) -> dict:
    return {"as_of": report.as_of.isoformat(), "live_version": report.live_version,
            "proposal_version": report.proposal_version, "holders": report.holders,
            "differing": report.differing,
            "counts": [[*key, n] for key, n in sorted(report.counts.items())],
            "row_files": [p.name for p in report.row_files]}


def _from_dict(document: dict, directory: Path) -> Report:
    return Report(date.fromisoformat(document["as_of"]), document["live_version"],
                  document["proposal_version"], holders=document["holders"],
                  counts=Counter({(q, now, then): n for q, now, then, n in document["counts"]}),
                  row_files=[directory / name for name in document["row_files"]],
                  differing=document["differing"])
