"""Logged exceptions: the JSON format carries the traceback, neither format prints the
frames' local variables (they hold names, kana and e-mail addresses)."""

from __future__ import annotations

import io
import json
import sys

import pytest
import structlog

from lifecycle import logs

SECRET_NAME = "山田花子-secret-local"


def _crash(name: str) -> None:
    holder_name = name  # a local variable a traceback with locals would print
    raise ValueError(f"cannot process holder of {len(holder_name)} characters")


def _log_crash(fmt: str, monkeypatch) -> str:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    logs.configure(level="INFO", fmt=fmt)
    try:
        _crash(SECRET_NAME)
    except ValueError:
        structlog.get_logger("test").exception("command.crashed", holder="H0001")
    return err.getvalue()


@pytest.fixture(autouse=True)
def _restore_logging():
    yield
    logs.configure(level="WARNING", fmt="console")


def test_a_json_log_line_carries_the_exception_traceback(monkeypatch):
    line = json.loads(_log_crash("json", monkeypatch))
    assert line["event"] == "command.crashed"
    assert line["holder"] == "H0001"
    assert "exc_info" not in line
    (exception,) = line["exception"]
    assert exception["exc_type"] == "ValueError"
    assert "cannot process holder" in exception["exc_value"]
    assert [frame["name"] for frame in exception["frames"]][-1] == "_crash"


def test_a_json_traceback_holds_no_local_variables(monkeypatch):
    text = _log_crash("json", monkeypatch)
    assert SECRET_NAME not in text
    frames = json.loads(text)["exception"][0]["frames"]
    assert all("locals" not in frame for frame in frames)


def test_a_console_traceback_shows_the_code_but_no_local_variables(monkeypatch):
    text = _log_crash("console", monkeypatch)
    assert "ValueError" in text and "_crash" in text
    assert SECRET_NAME not in text
