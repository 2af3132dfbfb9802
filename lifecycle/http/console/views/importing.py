"""An office file uploaded through the console, imported exactly as `lifecycle import`
imports it (lifecycle.imports): each row one command, saved in chunks, judged alone. Rows
are recorded as `console:<staff>/<file>:<line>`, so the trail names both the person who
uploaded and the file's line."""

from __future__ import annotations

import dataclasses
import re
import tempfile
from pathlib import Path

from lifecycle.imports import KINDS, report
from lifecycle.imports.reading import ImportFileError
from lifecycle.imports.running import run
from lifecycle.staff import Session

_UNSAFE = re.compile(r"[^\w.\-]+")


def safe_name(name: str | None, default: str) -> str:
    base = Path(name or "").name
    cleaned = _UNSAFE.sub("_", base).strip("._")[:80]
    return cleaned or default


def import_file(services, kind_name: str, file_name: str, data: bytes, session: Session, *,
                dry_run: bool = False) -> dict:
    """The import's report (lifecycle.imports.report.to_dict), or {"error": sentence} when
    the file itself cannot be read (nothing recorded)."""
    kind = KINDS[kind_name]()
    with tempfile.TemporaryDirectory(prefix="console-import-") as folder:
        path = Path(folder) / file_name
        path.write_bytes(data)
        try:
            rows, used = kind.read(path, None)
        except (ImportFileError, OSError, ValueError) as error:
            return {"error": f"{file_name}: {error}; nothing was imported"}
    rows = [dataclasses.replace(r, file=f"{session.actor}/{r.file}") for r in rows]
    services.before_writes()
    outcomes = run(services.app, kind, rows, today=services.today(), dry_run=dry_run)
    if not dry_run and outcomes:
        services.catch_up()
    return report.to_dict(kind_name, file_name, used, outcomes, dry_run)
