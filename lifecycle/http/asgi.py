"""The app for `lifecycle serve --workers N`: each uvicorn worker process builds its own from
the environment (the parent puts the --db URL there before starting them)."""

from __future__ import annotations

from fastapi import FastAPI

from lifecycle import logs
from lifecycle.http.app import create_app
from lifecycle.settings import Settings


def app_from_env() -> FastAPI:
    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)
    return create_app(settings)
