"""The relay as the CLI and the scheduler run it: notices caught up from the log, then every
due notice sent through the SMTP adapter built from the settings."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from lifecycle.clock import today_in_tokyo
from lifecycle.mail import relay
from lifecycle.mail.port import SendEmail
from lifecycle.mail.smtp import SmtpMailer
from lifecycle.settings import Settings, SettingsError
from projections import notices
from projections.runner import ConcurrentRunError

DRY_RUN_SENDER = "noreply@localhost"


def catch_up_notices(app, engine: Engine) -> int:
    """Notices for every event the read models have applied; another runner writing them
    at the same moment is harmless (it wrote the same rows)."""
    try:
        return notices.catch_up(app.recorder, app.mapper, engine)
    except ConcurrentRunError:
        return 0


def letterhead(settings: Settings, *, dry_run: bool = False) -> relay.Letterhead:
    sender = settings.smtp.sender or (DRY_RUN_SENDER if dry_run else None)
    if sender is None:
        raise SettingsError("set LIFECYCLE_MAIL_FROM, the sender address of notices")
    return relay.Letterhead(sender, settings.body_name, settings.templates_dir)


def send_due(settings: Settings, engine: Engine, *, dry_run: bool = False,
             send: SendEmail | None = None, now: datetime | None = None,
             today: date | None = None, limit: int | None = None) -> relay.RelayReport:
    """One relay pass. `send` defaults to SMTP with LIFECYCLE_SMTP_* (none on a dry run)."""
    head = letterhead(settings, dry_run=dry_run)
    now = now or datetime.now(UTC)
    today = today or today_in_tokyo()
    if send is not None or dry_run:
        return relay.run(engine, send or _refuse, head, now=now, today=today,
                         dry_run=dry_run, limit=limit)
    if not settings.smtp.host:
        raise SettingsError("set LIFECYCLE_SMTP_HOST to send notices (or use --dry-run)")
    with SmtpMailer(settings.smtp) as mailer:
        return relay.run(engine, mailer, head, now=now, today=today, limit=limit)


def _refuse(message) -> None:
    raise AssertionError("a dry run sends nothing")
