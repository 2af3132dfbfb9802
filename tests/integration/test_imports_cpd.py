"""`lifecycle import cpd`: rows to log_cpd; a re-imported entry is "already imported"."""

from __future__ import annotations

from datetime import date

import pytest

from .test_imports_support import (
    app_for,
    certified,
    event_count,
    import_file,
    rejected_lines,
    write_csv,
)

HEADER = ["holder", "entry_id", "category", "field", "activity_on", "hours", "title",
          "provider", "on"]
ROWS = [
    HEADER,
    ["H0001", "e1", "A", "", "2025-05-10", "3", "年次大会", "本会", "2025-05-11"],
    ["H0001", "e2", "b", "４", "2025/6/1", "2.5", "外部研修", "研修社", "2025-06-02"],
    ["H0001", "e3", "C", "", "2025-07-01", "2", "自己学習", "本人", "2025-07-02"],  # no field
    ["H0001", "e4", "A", "", "2025-07-01", "abc", "講座", "本会", "2025-07-02"],  # hours
    ["H0001", "e1", "A", "", "2025-05-10", "3", "年次大会", "本会", "2025-05-11"],  # repeat
    ["H0001", "e2", "A", "", "2025-08-01", "1", "別の講座", "本会", "2025-08-02"],  # reused id
    ["H0002", "e1", "A", "", "2025-05-10", "3", "年次大会", "本会", "2025-05-11"],  # unknown
    ["H0001", "e5", "A", "", "2024-05-10", "1", "古い講座", "本会", "2025-05-11"],  # cycle
]
BAD = {4: "INVALID_INPUT", 5: "INVALID_INPUT", 7: "DUPLICATE_ENTRY", 8: "UNKNOWN_HOLDER",
       9: "CPD_OUTSIDE_CYCLE"}


@pytest.fixture
def holder(db_url):
    app = app_for(db_url)
    certified(app, "H0001", "P24-000123", "コンケンタロウ")
    app.close()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_entries_are_logged_and_each_bad_row_reported(db_url, holder, tmp_path, encoding):
    path = write_csv(tmp_path / "cpd.csv", ROWS, encoding)
    code, report = import_file(db_url, "cpd", path)
    assert (code, report["encoding"], report["recorded"]) == (1, encoding, 2)
    assert report["already_recorded"] == 1  # line 6 repeats line 2 within the file
    assert rejected_lines(report) == BAD
    app = app_for(db_url)
    logged = [e for e in app.history("H0001")["events"] if e["type"] == "CPDLogged"]
    assert [(e["data"]["entry_id"], e["data"]["hours"], e["actor"]) for e in logged] == [
        ("e1", "3", "cpd.csv:2"), ("e2", "2.5", "cpd.csv:3")]
    cpd = app.status("H0001", date(2025, 9, 1))["qualifications"]["CAP"]["cpd"]
    assert cpd["by_category"] == {"A": "3", "B": "2.5", "C": "0", "D": "0"}
    app.close()


def test_a_re_import_records_nothing_and_keeps_reporting_the_real_errors(db_url, holder,
                                                                          tmp_path):
    path = write_csv(tmp_path / "cpd.csv", ROWS)
    import_file(db_url, "cpd", path)
    before = event_count(db_url)
    code, report = import_file(db_url, "cpd", path)
    assert (code, report["recorded"], report["already_recorded"]) == (1, 0, 3)
    assert rejected_lines(report) == BAD
    assert "other details" in next(r["message"] for r in report["rejected_rows"]
                                   if r["line"] == 7)
    assert event_count(db_url) == before
