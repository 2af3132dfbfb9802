"""structlog: JSON lines in production, readable lines in a terminal; always on stderr.

Log events carry the holder number and the command, never names, kana or e-mail addresses.
An exception is rendered in both formats (JSON: a structured traceback under `exception`),
but never with the frames' local variables: a crashing command's locals hold the very
names, kana, e-mail addresses and payer names the log must not carry.
"""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.tracebacks import ExceptionDictTransformer


def renderer(fmt: str, *, colors: bool) -> list:
    """The format's last processors: exception rendering (locals off), then the renderer."""
    if fmt == "console":
        return [structlog.dev.ConsoleRenderer(
            colors=colors,
            exception_formatter=structlog.dev.RichTracebackFormatter(
                show_locals=False, color_system="truecolor" if colors else None),
        )]
    return [
        structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
        structlog.processors.JSONRenderer(ensure_ascii=False),
    ]


_current: tuple[str, str | None] = ("WARNING", None)  # as last configured, for workers


def configure(level: str | None = None, fmt: str | None = None) -> None:
    """`level` (default WARNING) and `fmt` (`console` or `json`; default console on a
    terminal) come from the settings (LIFECYCLE_LOG_LEVEL, LIFECYCLE_LOG_FORMAT)."""
    global _current
    level_name = (level or "WARNING").upper()
    _current = (level_name, fmt)
    fmt = fmt or ("console" if sys.stderr.isatty() else "json")
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            *renderer(fmt, colors=sys.stderr.isatty()),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level_name, logging.WARNING)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def current() -> tuple[str, str | None]:
    """(level, format) as this process last configured them: a worker process it spawns
    logs the same way (lifecycle.workers)."""
    return _current
