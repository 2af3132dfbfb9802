"""`lifecycle import applications FILE.json|DIR`: one file_application per object (認定申請).

A file holds one command object or a list of them; a directory means every *.json in it, in
name order. Each object's actor is the file and the line its `{` is on.

Re-importing must not file an application twice, and the engine cannot tell on its own: after
a rejection a second identical filing is legal (a new application, a new fee). So a row is
`already_recorded` when the holder's history already holds an application for the same
qualification filed on the same date; for that the import needs each application's `on`.
"""

from __future__ import annotations

import json
from pathlib import Path

from aggregates.errors import DomainError
from lifecycle.imports.reading import ImportFileError, read_text
from lifecycle.imports.running import Row, judge_plain


def read_objects(path: Path, encoding: str | None) -> list[Row]:
    """The objects of one JSON file with the line each starts on; a file that is not JSON
    becomes one rejected row (line 1) so that the other files of a directory still run."""
    try:
        text, _ = read_text(path, encoding)
    except ImportFileError as error:
        return [Row(path.name, 1, None, f"{path.name}: {error}")]
    decoder = json.JSONDecoder()
    try:
        start = _skip(text, 0)
        if text.startswith("[", start):
            rows, position = [], _skip(text, start + 1)
            while not text.startswith("]", position):
                value, end = decoder.raw_decode(text, position)
                rows.append(_row(path, text, position, value))
                position = _skip(text, end)
                if text.startswith(",", position):
                    position = _skip(text, position + 1)
                elif not text.startswith("]", position):
                    raise json.JSONDecodeError("expected ',' or ']'", text, position)
            end = position + 1
        else:
            value, end = decoder.raw_decode(text, start)
            rows = [_row(path, text, start, value)]
        if _skip(text, end) != len(text):
            raise json.JSONDecodeError("extra data after the JSON value", text, end)
    except json.JSONDecodeError as error:
        return [Row(path.name, error.lineno, None,
                    f"{path.name} is not valid JSON: {error.msg} (line {error.lineno}, "
                    f"column {error.colno}); none of its applications were imported")]
    return rows


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _row(path: Path, text: str, position: int, value: object) -> Row:
    line = text.count("\n", 0, position) + 1
    if not isinstance(value, dict):
        return Row(path.name, line, None, "an application must be a JSON object")
    if value.get("type", "file_application") != "file_application":
        return Row(path.name, line, None,
                   f"only file_application commands are imported here, not {value['type']!r}")
    if not value.get("on"):
        return Row(path.name, line, None, "field 'on' (the filing date) is required in an "
                   "import, so that importing the file again recognises the application")
    return Row(path.name, line, {**value, "type": "file_application"})


def json_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and p.is_file())
        if not files:
            raise ImportFileError("no *.json file in this directory")
        return files
    return [path]


class Applications:
    name = "applications"

    def read(self, path: Path, encoding: str | None) -> tuple[list[Row], str]:
        rows = [row for file in json_files(path) for row in read_objects(file, encoding)]
        return rows, encoding or "detected per file"

    def seen_before(self, app, row: Row) -> bool:
        command = row.command
        try:
            events = app.history(command.get("holder"))["events"]
        except (DomainError, TypeError, AttributeError):
            return False  # unknown holder or no holder: running it reports why
        return any(e["type"] == "ApplicationFiled"
                   and e["data"].get("qualification") == command.get("qualification")
                   and e["business_date"] == command.get("on") for e in events)

    def judge(self, app, row: Row, result: dict):
        return judge_plain(row, result)
