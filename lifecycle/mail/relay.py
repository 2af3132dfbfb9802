"""The relay: notices in the outbox out as e-mail, each sent at most once.

States of a notice's delivery (`outbox_deliveries`), each with its time:

    (none) ──claim──▶ sending ──accepted──▶ sent
                        │  ├──4xx / connection lost──▶ retry ──(back-off)──▶ sending …
                        │  │                            └─(MAX_ATTEMPTS)──▶ failed
                        │  ├──recipient refused (5xx)──▶ bounced
                        │  └──other 5xx──▶ failed
    no e-mail address on record ──▶ no_address (print the letter instead)
    a fact too old to mail when first seen ──▶ stale

At most once: the claim (`sending`, attempts + 1) commits *before* the message is handed
to the server, and only a relay that made the claim sends. A failure the server reported
is known not to have delivered, so it is retried. A crash between the server's acceptance
and the mark leaves the notice in `sending`, and the relay never sends a `sending` notice
again: `lifecycle mail status` lists it as unconfirmed, and a clerk who finds the message
missing (the Message-ID is derived from the notice, so a copy is recognisable) releases it
with `lifecycle mail release ID`. A lost letter is visible and repairable; a duplicate
letter is neither.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.errors import HeaderParseError

import structlog
from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from lifecycle.documents import letters
from lifecycle.mail import rendering
from lifecycle.mail.port import PermanentFailure, RecipientRefused, SendEmail, TemporaryFailure
from projections import outbox_tables as outbox

log = structlog.get_logger("lifecycle.mail")

MAX_ATTEMPTS = 8
FIRST_BACK_OFF = timedelta(minutes=5)
LONGEST_BACK_OFF = timedelta(hours=6)
STALE_AFTER = timedelta(days=30)  # an event's letter is not e-mailed a month late
REMINDERS = {outbox.WINDOW_CLOSING, outbox.PASS_REPORT_EXPIRING}  # stale once due

o, d = outbox.outbox, outbox.deliveries


def back_off(attempts: int) -> timedelta:
    """5 min, 10, 20, … doubling after each failed attempt, at most 6 h."""
    return min(LONGEST_BACK_OFF, FIRST_BACK_OFF * 2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class Letterhead:
    """What every message carries besides its notice."""

    sender: str
    body_name: str
    templates_dir: str | None = None


@dataclass
class RelayReport:
    outcomes: Counter = field(default_factory=Counter)
    planned: list[dict] = field(default_factory=list)  # --dry-run: what would be sent

    def to_dict(self) -> dict:
        result = {"outcomes": dict(sorted(self.outcomes.items()))}
        if self.planned:
            result["would_send"] = self.planned
        return result


def is_stale(notice: letters.Notice, today: date) -> bool:
    if notice.kind in REMINDERS:
        return notice.due_on < today
    return notice.due_on < today - STALE_AFTER


def run(engine: Engine, send: SendEmail, head: Letterhead, *, now: datetime, today: date,
        dry_run: bool = False, limit: int | None = None) -> RelayReport:
    """Send every notice that is due (new, or a retry whose back-off has passed)."""
    outbox.ensure_tables(engine)
    report = RelayReport()
    for row in _due(engine, now, limit):
        notice = letters.Notice.from_row(row)
        outcome = _deliver(engine, send, head, notice, row.state, now, today, dry_run,
                           report)
        report.outcomes[outcome] += 1
        log.info("mail.notice", notice=notice.id, kind=notice.kind,
                 holder=notice.holder_number, outcome=outcome, dry_run=dry_run)
    return report


def _due(engine: Engine, now: datetime, limit: int | None, chunk: int = 200) -> Iterator:
    after, seen = 0, 0
    while limit is None or seen < limit:
        stmt = (select(o, d.c.state).outerjoin(d, d.c.notice_id == o.c.id)
                .where(o.c.id > after, or_(d.c.notice_id.is_(None),
                                           and_(d.c.state == "retry",
                                                d.c.next_attempt_at <= now)))
                .order_by(o.c.id).limit(chunk if limit is None else min(chunk, limit - seen)))
        with engine.connect() as conn:
            rows = conn.execute(stmt).all()
        if not rows:
            return
        yield from rows
        after, seen = rows[-1].id, seen + len(rows)


def _deliver(engine, send, head, notice, state, now, today, dry_run, report) -> str:
    if state is None and is_stale(notice, today):  # decided before any rendering: a new
        return _final(engine, notice, "stale", now, dry_run, report)  # outbox's history
    with engine.connect() as conn:
        context = letters.context(conn, notice, today=today, body_name=head.body_name)
    address = context["holder"]["email"]
    if not address:
        return _final(engine, notice, "no_address", now, dry_run, report)
    rendered = rendering.render_email_template(notice.kind, context, head.templates_dir)
    if dry_run:
        report.planned.append({"notice": notice.id, "kind": notice.kind,
                               "holder": notice.holder_number, "subject": rendered.subject})
        return "would_send"
    key = f"{notice.holder_number}|{notice.qualification}|{notice.kind}|{notice.due_on}"
    msg_id = rendering.message_id(notice.id, key, head.sender)
    try:
        message = rendering.build_message(rendered, sender=head.sender,
                                          to_name=context["holder"]["name"],
                                          to_address=address, msg_id=msg_id, date=now)
    except (ValueError, HeaderParseError):  # the address on record is not one
        return _final(engine, notice, "failed", now, dry_run, report)
    if not _claim(engine, notice.id, state, msg_id, now):
        return "taken_by_another_relay"
    try:
        send(message)
    except RecipientRefused as error:
        return _mark(engine, notice.id, "bounced", now, error=str(error))
    except PermanentFailure as error:
        return _mark(engine, notice.id, "failed", now, error=str(error))
    except TemporaryFailure as error:
        return _retry_or_fail(engine, notice.id, now, str(error))
    return _mark(engine, notice.id, "sent", now)


def _final(engine, notice, state: str, now: datetime, dry_run: bool, report) -> str:
    """A notice the relay will not e-mail: recorded as such (unless this is a dry run)."""
    if dry_run:
        report.planned.append({"notice": notice.id, "kind": notice.kind,
                               "holder": notice.holder_number, "outcome": state})
    else:
        _record_final(engine, notice.id, state, now)
    return state


def _record_final(engine: Engine, notice_id: int, state: str, now: datetime) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(insert(d).values(notice_id=notice_id, state=state, attempts=0,
                                          failed_at=now))
            conn.execute(update(o).where(o.c.id == notice_id).values(taken_at=now))
    except IntegrityError:
        pass  # another relay recorded it first


def _claim(engine: Engine, notice_id: int, state: str | None, msg_id: str,
           now: datetime) -> bool:
    """Take the notice for this relay, committed before anything is sent."""
    try:
        with engine.begin() as conn:
            if state is None:
                conn.execute(insert(d).values(notice_id=notice_id, state="sending",
                                              attempts=1, sending_at=now, message_id=msg_id))
                return True
            moved = conn.execute(update(d).where(d.c.notice_id == notice_id,
                                                 d.c.state == "retry")
                                 .values(state="sending", attempts=d.c.attempts + 1,
                                         sending_at=now, message_id=msg_id))
            return moved.rowcount == 1
    except IntegrityError:
        return False


def _mark(engine: Engine, notice_id: int, state: str, now: datetime, *,
          error: str | None = None) -> str:
    stamp = {"sent": "sent_at", "bounced": "bounced_at", "failed": "failed_at"}[state]
    with engine.begin() as conn:
        conn.execute(update(d).where(d.c.notice_id == notice_id)
                     .values(state=state, next_attempt_at=None, last_error=error,
                             **{stamp: now}))
        conn.execute(update(o).where(o.c.id == notice_id).values(taken_at=now))
    return state


def _retry_or_fail(engine: Engine, notice_id: int, now: datetime, error: str) -> str:
    with engine.connect() as conn:
        attempts = conn.execute(select(d.c.attempts).where(d.c.notice_id == notice_id)
                                ).scalar_one()
    if attempts >= MAX_ATTEMPTS:
        return _mark(engine, notice_id, "failed", now, error=error)
    with engine.begin() as conn:
        conn.execute(update(d).where(d.c.notice_id == notice_id)
                     .values(state="retry", last_error=error,
                             next_attempt_at=now + back_off(attempts)))
    return "retry"


def release(engine: Engine, notice_id: int, now: datetime) -> bool:
    """A clerk's decision: an unconfirmed (`sending`) or failed notice may be sent again."""
    with engine.begin() as conn:
        moved = conn.execute(update(d).where(d.c.notice_id == notice_id,
                                             d.c.state.in_(("sending", "failed")))
                             .values(state="retry", next_attempt_at=now))
    return moved.rowcount == 1


def record_bounce(engine: Engine, notice_id: int, now: datetime) -> bool:
    """A bounce reported after the server accepted the message (a DSN the office read)."""
    with engine.begin() as conn:
        moved = conn.execute(update(d).where(d.c.notice_id == notice_id, d.c.state == "sent")
                             .values(state="bounced", bounced_at=now))
    return moved.rowcount == 1


def status(engine: Engine) -> dict:
    """Counts by kind and state (`pending`: not yet taken up), and the notices that need a
    clerk: unconfirmed sends, failures and bounces."""
    outbox.ensure_tables(engine)
    with engine.connect() as conn:
        counts = conn.execute(select(o.c.kind, d.c.state, func.count())
                              .outerjoin(d, d.c.notice_id == o.c.id)
                              .group_by(o.c.kind, d.c.state)).all()
        attention = conn.execute(
            select(o.c.id, o.c.kind, o.c.holder_number, d.c.state, d.c.attempts,
                   d.c.sending_at, d.c.failed_at, d.c.bounced_at, d.c.last_error)
            .join(d, d.c.notice_id == o.c.id)
            .where(d.c.state.in_(("sending", "failed", "bounced"))).order_by(o.c.id)).all()
    by_state: Counter = Counter()
    by_kind: dict[str, Counter] = {}
    for kind, state, n in counts:
        by_state[state or "pending"] += n
        by_kind.setdefault(kind, Counter())[state or "pending"] += n
    return {
        "states": dict(sorted(by_state.items())),
        "kinds": {k: dict(sorted(v.items())) for k, v in sorted(by_kind.items())},
        "attention": [{
            "notice": r.id, "kind": r.kind, "holder": r.holder_number,
            "state": "sending (unconfirmed)" if r.state == "sending" else r.state,
            "attempts": r.attempts,
            "at": _iso(r.bounced_at or r.failed_at or r.sending_at),
            "last_error": r.last_error} for r in attention],
    }


def utc(moment: datetime) -> datetime:
    """A stored time as UTC (SQLite hands it back without its zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment).isoformat()



