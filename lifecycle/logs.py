"""structlog: JSON lines in production, readable lines in a terminal; always on stderr.

Log events carry the holder number and the command, never names, kana or e-mail addresses.
"""

from __future__ import annotations

import logging
import sys

import structlog


def configure(level: str | None = None, fmt: str | None = None) -> None:
    """`level` (default WARNING) and `fmt` (`console` or `json`; default console on a
    terminal) come from the settings (LIFECYCLE_LOG_LEVEL, LIFECYCLE_LOG_FORMAT)."""
    level_name = (level or "WARNING").upper()
    fmt = fmt or ("console" if sys.stderr.isatty() else "json")
    renderer = (
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        if fmt == "console"
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level_name, logging.WARNING)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
