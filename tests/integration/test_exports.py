"""`lifecycle export credentials`: CSV (UTF-8 with BOM, or CP932) or JSON, from the read
models, filtered by status and qualification on an as-of date."""

from __future__ import annotations

import csv
import io
import json

import pytest

from lifecycle.exports import COLUMNS

from .test_imports_support import app_for, certified, exam_pass, execute, run_cli


@pytest.fixture
def office(db_url):
    app = app_for(db_url)
    certified(app, "H0001", "P24-000123", "コンケンタロウ")
    execute(app, exam_pass("H0002", "P26-000456", "ヨシダハナコ", name="𠮷田 花子"),
            exam_pass("H0003", "S26-000001", "タカハシサブロウ", qualification="SV",
                      name="高橋 三郎"))
    app.close()


def _csv(data: bytes, encoding: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode(encoding), newline="")))


def _export(db_url: str, tmp_path, *options: str) -> bytes:
    out = tmp_path / "out"
    code, output = run_cli(db_url, "export", "credentials", "--as-of", "2026-07-01",
                           "--output", str(out), *options)
    assert code == 0, output
    return out.read_bytes()


def test_the_default_is_csv_in_utf8_with_bom_with_every_credential(db_url, office, tmp_path):
    data = _export(db_url, tmp_path)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = _csv(data, "utf-8-sig")
    assert list(rows[0]) == list(COLUMNS)
    by_holder = {r["holder"]: r for r in rows}
    assert by_holder["H0001"] == {
        "holder": "H0001", "name": "今田 太郎", "name_kana": "コンケンタロウ",
        "email": "h0001@example.jp", "qualification": "CAP", "status": "certified",
        "certification_number": "CAP-2025-00001", "valid_from": "2025-04-01",
        "valid_until": "2028-03-31", "renewal_window_opens_on": "2028-01-01",
        "renewal_window_closes_on": "2028-02-29", "cpd_counted": "0"}
    assert by_holder["H0002"]["name"] == "𠮷田 花子"
    assert (by_holder["H0002"]["status"], by_holder["H0003"]["status"]) == ("passed", "qualified")


def test_filters_and_the_as_of_date_select_rows(db_url, office, tmp_path):
    rows = _csv(_export(db_url, tmp_path, "--status", "certified"), "utf-8-sig")
    assert [r["holder"] for r in rows] == ["H0001"]
    rows = _csv(_export(db_url, tmp_path, "--qualification", "SV"), "utf-8-sig")
    assert [r["holder"] for r in rows] == ["H0003"]
    out = tmp_path / "lapsed.csv"
    run_cli(db_url, "export", "credentials", "--as-of", "2028-04-01", "--status", "lapsed",
            "--output", str(out))
    assert [r["holder"] for r in _csv(out.read_bytes(), "utf-8-sig")] == ["H0001"]


def test_cp932_for_old_tools_replaces_what_it_cannot_hold_and_says_so(db_url, office,
                                                                       tmp_path):
    out = tmp_path / "out.csv"
    code, output = run_cli(db_url, "export", "credentials", "--as-of", "2026-07-01",
                           "--encoding", "cp932", "--output", str(out))
    assert code == 0
    rows = {r["holder"]: r for r in _csv(out.read_bytes(), "cp932")}
    assert rows["H0001"]["name"] == "今田 太郎"
    assert rows["H0002"]["name"] == "?田 花子"
    assert "H0002" in output


def test_json_to_stdout(db_url, office):
    code, output = run_cli(db_url, "export", "credentials", "--as-of", "2026-07-01",
                           "--format", "json", "--qualification", "CAP")
    assert code == 0
    document = json.loads(output[: output.rindex("}") + 1])
    assert document["as_of"] == "2026-07-01"
    assert [c["holder"] for c in document["credentials"]] == ["H0001", "H0002"]
    assert document["credentials"][0]["email"] == "h0001@example.jp"
