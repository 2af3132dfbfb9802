"""Composition root helpers: build the application and hand it to read models and schedulers."""

from __future__ import annotations

from pathlib import Path

import psycopg
from sqlalchemy import create_engine

from lifecycle.application import LifecycleApplication
from lifecycle.clock import today_in_tokyo
from lifecycle.settings import Settings
from schedulers.daily import Runtime
from schedulers.leader import FileLeaderLock, LeaderLock, PostgresLeaderLock


def runtime(app: LifecycleApplication, settings: Settings, *, batch_size: int = 500) -> Runtime:
    app.sweep_batch = batch_size
    return Runtime(app=app, today=today_in_tokyo, batch_size=batch_size)


def leader_lock(settings: Settings) -> LeaderLock:
    if settings.is_postgres:
        env = settings.event_store_env()

        def connect():
            return psycopg.connect(
                host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                password=env["POSTGRES_PASSWORD"], dbname=env["POSTGRES_DBNAME"],
                autocommit=True,
            )

        return PostgresLeaderLock(connect)
    return FileLeaderLock(Path(settings.url.database + ".scheduler.lock"))


def jobstore_engine(settings: Settings):
    return create_engine(settings.sqlalchemy_url())
