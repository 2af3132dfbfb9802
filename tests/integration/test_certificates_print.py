"""認定証 printed from the read models: `lifecycle certificates print` (single and batch)."""

from __future__ import annotations

import json

import pytest

from .cli_driver import (
    HANAKO,
    TARO,
    _invoke,
    apply_ok,
    certification_batch,
    cpd_batch_30,
    decide_renewal,
    renewal_payment,
    request_renewal,
    set_audit_rate,
)
from .documents_support import embedded_fonts, page_png, pdf_pages, pdf_text

pytestmark = pytest.mark.usefixtures("pdf_tools")


def certify_and_renew(db_url, monkeypatch):
    """H0001 certified 2026-10-01 (CAP-2027-00001, 2027-04-01..2030-03-31) and renewed
    2030-02-01 (2030-04-01..2033-03-31); H0002 certified the same day, not renewed."""
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch("H0001", person=TARO) + cpd_batch_30("H0001")
             + certification_batch("H0002", pass_number="P26-000456", person=HANAKO)
             + [request_renewal("H0001", "CAP", "2030-01-15"),
                renewal_payment("H0001", "2030-01-20", "R-1"),
                decide_renewal("H0001", "CAP", "2030-02-01")])


def run(db_url, *args):
    result = _invoke(["--db", db_url, "certificates", "print", *args])
    return result.exit_code, result.stdout


def test_the_first_certificate_shows_name_number_and_period_in_both_calendars(
        db_url, monkeypatch, tmp_path):
    certify_and_renew(db_url, monkeypatch)
    out = tmp_path / "first.pdf"
    code, stdout = run(db_url, "CAP-2027-00001", "--period", "0", "-o", str(out))
    assert code == 0, stdout
    text = pdf_text(out)
    for expected in ("認定証", "今田太郎", "コンケンタロウ", "コンタクトセンターアーキテクチャ",
                     "CAP-2027-00001", "令和9年4月1日から令和12年3月31日まで",
                     "2027-04-01–2030-03-31", "令和8年10月1日", "2026-10-01",
                     "日本コンタクトセンター教育検定協会", "資格認定"):
        assert expected in text, expected
    assert pdf_pages(out) == 1
    assert any("IPAex" in font for font in embedded_fonts(out))
    assert page_png(out, "certificate-first").stat().st_size > 10_000


def test_the_renewed_certificate_is_dated_the_renewal_date(db_url, monkeypatch, tmp_path):
    certify_and_renew(db_url, monkeypatch)
    out = tmp_path / "renewed.pdf"
    code, _ = run(db_url, "CAP-2027-00001", "-o", str(out))  # default: the latest period
    assert code == 0
    text = pdf_text(out)
    assert "令和12年4月1日から令和15年3月31日まで" in text
    assert "2030-04-01–2033-03-31" in text
    assert "更新認定" in text and "(2030-04-01)" in text  # issued on 認定更新日
    assert "令和9年4月1日" not in text
    page_png(out, "certificate-renewed")


def test_a_fiscal_years_renewals_print_one_file_each_or_one_merged_pdf(
        db_url, monkeypatch, tmp_path):
    certify_and_renew(db_url, monkeypatch)
    folder = tmp_path / "renewed"
    code, stdout = run(db_url, "--renewed-in-fiscal-year", "2029", "-o", str(folder))
    assert code == 0 and json.loads(stdout)["printed"] == 1
    assert [p.name for p in folder.iterdir()] == ["CAP-2027-00001_r1.pdf"]

    merged = tmp_path / "certified.pdf"
    code, stdout = run(db_url, "--certified-in-fiscal-year", "2026", "--merged",
                       "-o", str(merged))
    assert code == 0 and json.loads(stdout)["printed"] == 2
    assert pdf_pages(merged) == 2
    text = pdf_text(merged)
    assert text.index("今田太郎") < text.index("鈴木花子")  # in certification-number order
    assert "CAP-2027-00002" in text

    code, stdout = run(db_url, "--renewed-in-fiscal-year", "2030", "-o", str(tmp_path / "x"))
    assert code == 0 and json.loads(stdout)["printed"] == 0


def test_an_unknown_certificate_is_refused_without_a_file(db_url, monkeypatch, tmp_path):
    certify_and_renew(db_url, monkeypatch)
    out = tmp_path / "none.pdf"
    code, stdout = run(db_url, "CAP-2027-09999", "-o", str(out))
    assert code == 1 and json.loads(stdout)["error"]["code"] == "NOT_CERTIFIED"
    code, _ = run(db_url, "CAP-2027-00001", "--period", "5", "-o", str(out))
    assert code == 1 and not out.exists()
