"""The relay against a real SMTP server: what arrives, once per notice, whatever happens."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from email.header import decode_header, make_header

import pytest

from lifecycle import logs
from lifecycle.application import LifecycleApplication
from lifecycle.bootstrap import open_read_engine
from lifecycle.mail import relay, service
from lifecycle.mail.smtp import SmtpMailer
from lifecycle.settings import Settings, SmtpSettings
from projections.runner import Runner

from .cli_driver import (
    HANAKO,
    TARO,
    _invoke,
    apply_ok,
    certification_batch,
    decide_application,
    exam_pass,
    set_audit_rate,
)
from .smtp_server import SmtpServer

SENDER = "日本コンタクトセンター教育検定協会 <office@example.jp>"
T0 = datetime(2026, 10, 2, 0, 0, tzinfo=UTC)
TODAY = date(2026, 10, 2)


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def settings_for(db_url, smtp) -> Settings:
    return Settings(database_url=db_url, smtp=SmtpSettings(
        host="127.0.0.1", port=smtp.port, security="none", sender=SENDER))


def caught_up(settings):
    app = LifecycleApplication(settings)
    engine = open_read_engine(settings)
    Runner(app, engine).catch_up()
    service.catch_up_notices(app, engine)
    app.close()
    return engine


def send(settings, engine, smtp, *, now=T0, wrap=None):
    with SmtpMailer(settings.smtp) as mailer:
        return service.send_due(settings, engine, send=wrap(mailer) if wrap else mailer,
                                now=now, today=TODAY).outcomes


def decoded(value: str) -> str:
    return str(make_header(decode_header(value)))


def certified_taro(db_url, monkeypatch):
    """TARO: accepted 2026-09-03, certified 2026-10-01: two notices."""
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch("H0001", person=TARO))


def test_each_notice_arrives_once_with_japanese_headers(db_url, monkeypatch, smtp, capfd):
    certified_taro(db_url, monkeypatch)
    settings = settings_for(db_url, smtp)
    engine = caught_up(settings)
    logs.configure(level="INFO", fmt="json")
    try:
        assert send(settings, engine, smtp) == {"sent": 2}
    finally:
        logs.configure(level="WARNING", fmt="console")
    accepted, certified = smtp.messages
    assert accepted["Subject"] == "【コンタクトセンターアーキテクチャ】認定申請を受理しました"
    raw = smtp.handler.raw[0].decode("ascii")  # the bytes the server got are 7-bit
    subject = _header(raw, "Subject")
    assert subject.startswith("=?utf-8?")  # RFC 2047 encoded-words
    assert decoded(subject) == accepted["Subject"]
    assert certified["Subject"].startswith("【コンタクトセンターアーキテクチャ】資格認定のお知らせ")
    assert str(accepted["To"]) == "今田 太郎 <taro.konken@example.jp>"
    assert accepted["To"].addresses[0].display_name == "今田 太郎"
    to_line = _header(raw, "To")
    assert "=?utf-8?" in to_line and decoded(to_line) == "今田 太郎 <taro.konken@example.jp>"
    # A long display name is folded into several encoded-words, which RFC 2047 joins
    # (Python's own address parser puts a space between them, mail clients do not).
    assert decoded(_header(raw, "From")) == SENDER
    assert re.fullmatch(r"<notice-\d+\.[0-9a-f]{16}@example\.jp>", accepted["Message-ID"])
    assert accepted["Auto-Submitted"] == "auto-generated"
    assert accepted.get_content_type() == "multipart/alternative"
    text = certified.get_body(("plain",)).get_content()
    assert "今田 太郎 様" in text and "CAP-2027-00001" in text
    assert "令和9年4月1日から令和12年3月31日まで" in text and "2027-04-01 – 2030-03-31" in text
    html = certified.get_body(("html",)).get_content()
    assert "今田 太郎 様" in html and "<p>" in html

    assert send(settings, engine, smtp) == {}  # a second run finds nothing due
    assert len(smtp.messages) == 2
    status = relay.status(engine)
    assert status["states"] == {"sent": 2}
    assert status["kinds"]["certified"] == {"sent": 1}
    logged = capfd.readouterr().err
    assert '"mail.notice"' in logged and "H0001" in logged
    for secret in TARO.secrets():
        assert secret not in logged


class Crash(BaseException):
    """The process dying after the server took the message, before the relay marks it."""


def test_a_crash_between_send_and_mark_never_sends_the_notice_twice(
        db_url, monkeypatch, smtp):
    certified_taro(db_url, monkeypatch)
    settings = settings_for(db_url, smtp)
    engine = caught_up(settings)

    def crash_after_first(mailer):
        def send_then_crash(message):
            mailer(message)
            raise Crash
        return send_then_crash

    with pytest.raises(Crash):
        send(settings, engine, smtp, wrap=crash_after_first)
    assert len(smtp.messages) == 1
    first_id = smtp.messages[0]["Message-ID"]

    assert send(settings, engine, smtp) == {"sent": 1}  # only the other notice
    assert send(settings, engine, smtp) == {}
    assert len(smtp.messages) == 2
    assert len({m["Message-ID"] for m in smtp.messages}) == 2
    (unconfirmed,) = relay.status(engine)["attention"]
    assert unconfirmed["state"] == "sending (unconfirmed)" and unconfirmed["attempts"] == 1

    # A clerk who checked the mailbox may release it: the copy carries the same Message-ID.
    assert relay.release(engine, unconfirmed["notice"], T0)
    assert send(settings, engine, smtp) == {"sent": 1}
    assert smtp.messages[-1]["Message-ID"] == first_id


def test_a_refused_message_is_retried_after_its_back_off(db_url, monkeypatch, smtp):
    certified_taro(db_url, monkeypatch)
    settings = settings_for(db_url, smtp)
    engine = caught_up(settings)
    smtp.handler.refuse_data = 1
    assert send(settings, engine, smtp) == {"retry": 1, "sent": 1}
    assert len(smtp.messages) == 1
    (retry,) = [n for n in _deliveries(engine) if n["state"] == "retry"]
    assert retry["attempts"] == 1 and "451" in retry["last_error"]
    assert relay.utc(retry["next_attempt_at"]) == T0 + relay.FIRST_BACK_OFF

    assert send(settings, engine, smtp, now=T0 + timedelta(minutes=4)) == {}
    assert send(settings, engine, smtp, now=T0 + timedelta(minutes=5)) == {"sent": 1}
    assert len(smtp.messages) == 2
    assert len({m["Message-ID"] for m in smtp.messages}) == 2  # one per notice
    assert relay.status(engine)["states"] == {"sent": 2}


def test_a_refused_recipient_bounces_and_the_letter_can_be_printed(
        db_url, monkeypatch, smtp, tmp_path):
    certified_taro(db_url, monkeypatch)
    settings = settings_for(db_url, smtp)
    engine = caught_up(settings)
    smtp.handler.refuse_recipients.add(TARO.email)
    assert send(settings, engine, smtp) == {"bounced": 2}
    assert smtp.messages == []
    bounced = relay.status(engine)["attention"]
    assert {b["state"] for b in bounced} == {"bounced"}
    assert all("550" in b["last_error"] and TARO.email not in b["last_error"]
               for b in bounced)
    assert all(b["at"] is not None for b in bounced)


def test_a_holder_without_an_address_gets_a_printed_letter(db_url, monkeypatch, smtp,
                                                           tmp_path, pdf_tools):
    from .documents_support import pdf_pages, pdf_text

    set_audit_rate(monkeypatch, 0)
    no_mail = exam_pass("H0002", "CAP", "P26-000456", "2026-06-15", HANAKO)
    no_mail.pop("email")
    apply_ok(db_url, [no_mail] + certification_batch("H0002", pass_number="P26-000456",
                                                     person=HANAKO)[1:-1]
             + [decide_application("H0002", "CAP", "2026-10-01", "reject",
                                   ["業務経験の証明者の署名がありません"])])
    settings = settings_for(db_url, smtp)
    engine = caught_up(settings)
    assert send(settings, engine, smtp) == {"no_address": 2}
    out = tmp_path / "letters.pdf"
    result = _invoke(["--db", db_url, "letters", "print", "--no-address", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["printed"] == 2
    assert pdf_pages(out) == 2
    text = pdf_text(out)
    assert "鈴木花子様" in text and "認定審査の結果について" in text
    assert "業務経験の証明者の署名がありません" in text


def _header(raw: str, name: str) -> str:
    """A header's value as sent (folded lines joined)."""
    found = re.search(rf"^{name}: (.*(?:\r?\n[ \t].*)*)", raw, re.M).group(1)
    return re.sub(r"\r?\n[ \t]", " ", found)


def _deliveries(engine):
    from sqlalchemy import select

    from projections.outbox_tables import deliveries
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(deliveries))]


def test_an_address_that_is_not_one_fails_without_stopping_the_others(db_url, monkeypatch,
                                                                      smtp):
    set_audit_rate(monkeypatch, 0)
    broken = exam_pass("H0002", "CAP", "P26-000456", "2026-06-15", HANAKO)
    broken["email"] = "hanako at example"
    apply_ok(db_url, [broken] + certification_batch("H0002", pass_number="P26-000456",
                                                    person=HANAKO)[1:]
             + certification_batch("H0001", person=TARO))
    settings = settings_for(db_url, smtp)
    engine = caught_up(settings)
    assert send(settings, engine, smtp) == {"failed": 2, "sent": 2}
    assert {m["To"].addresses[0].addr_spec for m in smtp.messages} == {TARO.email}
