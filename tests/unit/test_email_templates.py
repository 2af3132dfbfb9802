"""Every letter renders as an e-mail without SMTP: Japanese subject, the holder addressed,
its dates in both calendars, nothing left blank or unescaped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.policy import SMTP

import pytest

from lifecycle.documents.letters import FAILURES_JA, KINDS, Notice
from lifecycle.mail.rendering import build_message, message_id, render_email_template

DETAILS = {
    "application_accepted": {"paid_on": date(2026, 9, 3)},
    "application_rejected": {"reasons": ["証明者の署名がありません"],
                             "failures": ["EXPERIENCE_INSUFFICIENT"]},
    "certified": {"certification_number": "CAP-2027-00001", "valid_from": date(2027, 4, 1),
                  "valid_until": date(2030, 3, 31)},
    "renewal_window_open": {"opens_on": date(2030, 1, 1), "closes_on": date(2030, 2, 28),
                            "valid_until": date(2030, 3, 31)},
    "renewal_window_closing": {"closes_on": date(2030, 2, 28)},
    "cpd_audit_selected": {"valid_until": date(2030, 3, 31)},
    "renewed": {"certification_number": "CAP-2027-00001", "valid_from": date(2030, 4, 1),
                "valid_until": date(2033, 3, 31)},
    "renewal_rejected": {"reasons": ["継続教育ポイント不足"], "valid_until": date(2030, 3, 31)},
    "lapsed": {"certification_number": "CAP-2027-00001", "valid_until": date(2030, 3, 31)},
    "pass_report_expiring": {"valid_until": date(2029, 6, 15)},
}


def context(kind: str) -> dict:
    return {
        "notice": Notice(7, "H0001", "CAP", kind, date(2030, 1, 20), DETAILS[kind]),
        "holder": {"number": "H0001", "name": "今田 <太郎>", "name_kana": "コンケンタロウ",
                   "email": "t@example.jp"},
        "qualification": "CAP", "qualification_name": "コンタクトセンターアーキテクチャ",
        "today": date(2030, 1, 20), "body_name": "日本コンタクトセンター教育検定協会",
        "fee": 11000, "certification_number": "CAP-2027-00001",
        "valid_until": date(2030, 3, 31), "lapse_on": date(2030, 4, 1), "cpd_counted": "23",
        "cpd_required": "30",
        "pass_report_valid_until": date(2029, 6, 15),
        "failures": [FAILURES_JA["EXPERIENCE_INSUFFICIENT"]],
        "entries": [{"activity_on": date(2027, 5, 10), "title": "講座", "provider": "協会",
                     "category": "A", "hours": "20"}],
        "submit_by": date(2030, 2, 3),
    }


@pytest.mark.parametrize("kind", KINDS)
def test_every_letter_renders_with_subject_salutation_and_signature(kind):
    rendered = render_email_template(kind, context(kind))
    assert rendered.subject.startswith("【コンタクトセンターアーキテクチャ】")
    assert "\n" not in rendered.subject
    assert rendered.text.startswith("今田 <太郎> 様\n\n")
    assert "日本コンタクトセンター教育検定協会" in rendered.text
    assert "None" not in rendered.text and "{{" not in rendered.text
    assert "今田 &lt;太郎&gt; 様" in rendered.html  # a name is text, never markup
    assert "<太郎>" not in rendered.html


def test_dates_show_in_both_calendars_and_the_reasons_are_listed():
    certified = render_email_template("certified", context("certified")).text
    assert "令和9年4月1日から令和12年3月31日まで" in certified
    assert "2027-04-01 – 2030-03-31" in certified
    rejected = render_email_template("application_rejected",
                                     context("application_rejected")).text
    assert "・証明者の署名がありません" in rejected
    assert "・業務経験の期間が基準（5年以上）に達していません。" in rejected
    audit = render_email_template("cpd_audit_selected", context("cpd_audit_selected")).text
    assert "令和12年2月3日までに" in audit and "2027-05-10　講座（協会）" in audit


def test_the_message_id_is_derived_from_the_notice():
    first = message_id(7, "H0001|CAP|certified|2026-10-01", "協会 <office@example.jp>")
    assert first == message_id(7, "H0001|CAP|certified|2026-10-01", "office@example.jp")
    assert first != message_id(8, "H0001|CAP|certified|2026-10-01", "office@example.jp")
    assert first.endswith("@example.jp>")


def test_the_mime_message_is_seven_bit_on_the_wire():
    rendered = render_email_template("certified", context("certified"))
    message = build_message(rendered, sender="協会 <office@example.jp>", to_name="今田 太郎",
                            to_address="t@example.jp", msg_id="<n-7@example.jp>",
                            date=datetime(2030, 1, 20, 9, 0, tzinfo=UTC))
    wire = message.as_bytes(policy=SMTP)
    wire.decode("ascii")  # headers and bodies all 7-bit: encoded-words and base64
    assert b"Subject: =?utf-8?" in wire
    assert b'Content-Type: text/plain; charset="utf-8"' in wire
