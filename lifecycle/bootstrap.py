"""Composition root helpers: build the application and hand it to read models and schedulers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg
import structlog
from sqlalchemy import create_engine

from lifecycle.application import LifecycleApplication
from lifecycle.cli.read import open_read_engine
from lifecycle.clock import today_in_tokyo
from lifecycle.mail import service as mail_service
from lifecycle.settings import Settings
from projections import queries
from projections.runner import ConcurrentRunError, Runner
from schedulers import daily, outbox
from schedulers.daily import Runtime
from schedulers.leader import FileLeaderLock, LeaderLock, PostgresLeaderLock

log = structlog.get_logger("lifecycle.bootstrap")

REMINDER_DAYS = 14  # a reminder when the renewal window closes in two weeks, no request made


def runtime(app: LifecycleApplication, settings: Settings, *, batch_size: int = 500,
            relay: bool = False) -> Runtime:
    """The scheduler's view of the engine: the read models find, the aggregates decide.
    `relay`: send the due notices after the sweep (the scheduler, when SMTP is set)."""
    engine = open_read_engine(settings)
    runners: list[Runner] = []  # made on first use: it creates the read tables

    def catch_up() -> int:
        if not runners:
            runners.append(Runner(app, engine))
        try:
            read = runners[0].catch_up()
        except ConcurrentRunError:  # another runner (a follower, an apply) moved it first
            read = runners[0].catch_up()
        mail_service.catch_up_notices(app, engine)  # letters for the events just applied
        return read

    def find_due(as_of: date, after: str | None, limit: int) -> list[str]:
        return queries.holders_due(engine, as_of, after, limit)

    def sweeper(as_of: date) -> list:
        catch_up()
        return daily.sweep(app, as_of, find_due, batch_size=batch_size)[0]

    app.sweep_batch = batch_size
    app.sweeper = sweeper  # the `sweep` command type in a batch uses the read models too
    return Runtime(
        app=app, today=today_in_tokyo, catch_up=catch_up, find_due=find_due,
        write_reminders=lambda as_of: outbox.write_reminders(engine, as_of, REMINDER_DAYS),
        relay=(lambda: send_mail(settings, engine)) if relay and settings.smtp.host else None,
        batch_size=batch_size,
    )


def send_mail(settings: Settings, engine) -> dict:
    """One relay pass for the scheduler: a failure is logged, never stops the scheduler."""
    try:
        return mail_service.send_due(settings, engine).to_dict()
    except Exception:
        log.exception("mail.relay_failed")
        return {"error": "the relay failed; see the log"}


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
