"""`lifecycle mail status|send|release` and `lifecycle letters print` from the command line,
and the scheduler's daily run sending what its sweep caused."""

from __future__ import annotations

import json
from datetime import date

import pytest

from lifecycle.bootstrap import open_application, runtime
from lifecycle.mail import service
from lifecycle.settings import Settings, SmtpSettings
from schedulers.daily import daily_run

from .cli_driver import TARO, _invoke, apply_ok, certification_batch, set_audit_rate
from .documents_support import page_png, pdf_text
from .smtp_server import SmtpServer


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def mail_env(monkeypatch, smtp):
    monkeypatch.setenv("LIFECYCLE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LIFECYCLE_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("LIFECYCLE_SMTP_SECURITY", "none")
    monkeypatch.setenv("LIFECYCLE_MAIL_FROM", "協会事務局 <office@example.jp>")
    monkeypatch.setattr(service, "today_in_tokyo", lambda: date(2026, 10, 2))


def cli(db_url, *args):
    result = _invoke(["--db", db_url, *args])
    return result.exit_code, result.stdout


def test_send_dry_run_then_send_then_status(db_url, monkeypatch, smtp):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch("H0001", person=TARO))
    mail_env(monkeypatch, smtp)

    code, out = cli(db_url, "mail", "send", "--dry-run")
    assert code == 0
    planned = json.loads(out)
    assert planned["outcomes"] == {"would_send": 2}
    assert [p["kind"] for p in planned["would_send"]] == ["application_accepted", "certified"]
    assert TARO.email not in out and TARO.name not in out
    assert smtp.messages == []

    code, out = cli(db_url, "mail", "send")
    assert code == 0 and json.loads(out)["outcomes"] == {"sent": 2}
    assert len(smtp.messages) == 2
    code, out = cli(db_url, "mail", "send")
    assert json.loads(out)["outcomes"] == {} and len(smtp.messages) == 2

    code, out = cli(db_url, "mail", "status")
    status = json.loads(out)
    assert status["states"] == {"sent": 2} and status["attention"] == []
    code, _ = cli(db_url, "mail", "release", "1")
    assert code == 1  # a sent notice is not released
    code, out = cli(db_url, "mail", "bounced", "1")
    assert code == 0
    assert json.loads(cli(db_url, "mail", "status")[1])["states"] == {"bounced": 1, "sent": 1}


def test_send_without_a_server_is_a_usage_error(db_url, monkeypatch):
    monkeypatch.delenv("LIFECYCLE_SMTP_HOST", raising=False)
    monkeypatch.setenv("LIFECYCLE_MAIL_FROM", "office@example.jp")
    code, _ = cli(db_url, "mail", "send")
    assert code == 2


def test_a_letter_prints_as_a_pdf_page(db_url, monkeypatch, tmp_path, pdf_tools):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch("H0001", person=TARO))
    out = tmp_path / "letter.pdf"
    code, stdout = cli(db_url, "letters", "print", "2", "-o", str(out))
    assert code == 0, stdout
    text = pdf_text(out)
    assert "今田太郎様" in text and "資格認定のお知らせ" in text
    assert "令和9年4月1日から令和12年3月31日まで" in text
    page_png(out, "letter-certified")
    code, _ = cli(db_url, "letters", "print", "99", "-o", str(out))
    assert code == 1


def test_the_scheduler_sends_the_notices_of_its_sweep(db_url, monkeypatch, smtp):
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch("H0001", person=TARO))
    settings = Settings(database_url=db_url, smtp=SmtpSettings(
        host="127.0.0.1", port=smtp.port, security="none", sender="office@example.jp"))
    app = open_application(settings)
    try:
        monkeypatch.setattr(service, "today_in_tokyo", lambda: date(2030, 1, 1))
        report = daily_run(runtime(app, relay=True), date(2030, 1, 1))
    finally:
        app.close()
    assert report.recorded["RenewalWindowOpened"] == 1
    # the window's letter is new; the two letters of 2026 are a month stale by then
    assert report.mail["outcomes"] == {"sent": 1, "stale": 2}
    (message,) = smtp.messages
    assert message["Subject"] == "【コンタクトセンターアーキテクチャ】更新申請の受付を開始しました"
    body = message.get_body(("plain",)).get_content()
    assert "令和12年1月1日から令和12年2月28日まで" in body and "11,000円" in body
