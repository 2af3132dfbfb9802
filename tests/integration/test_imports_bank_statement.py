"""`lifecycle import bank-statement`: each row a record_transfer, matched by payer name to the
one pending application (SPEC §6) or left in the unmatched queue; re-runs record nothing.

Written against the record_transfer contract: matched -> FeePaid and `matched`; none or
several candidates -> `unmatched`; a bank reference seen before -> `already_recorded`.
"""

from __future__ import annotations

import pytest

from .test_imports_support import (
    app_for,
    application,
    event_count,
    exam_pass,
    execute,
    import_file,
    rejected_lines,
    write_csv,
)

HEADER = ["bank_reference", "paid_on", "amount", "payer_name"]


@pytest.fixture
def pending(db_url):
    """Four pending CAP applications. H0003 and H0004 carry the same payer name (pass
    numbers ending 0777, both コンケンハナコ): a transfer naming it is ambiguous."""
    app = app_for(db_url)
    people = [("H0001", "P26-000123", "コンケンタロウ"), ("H0002", "P26-000456", "ヤマダイッペイ"),
              ("H0003", "P26-000777", "コンケンハナコ"), ("H0004", "P25-100777", "コンケンハナコ")]
    for holder, number, kana in people:
        execute(app, exam_pass(holder, number, kana), application(holder))
    app.close()


def _fee_paid(db_url: str, holder: str) -> list[dict]:
    app = app_for(db_url)
    try:
        return [e for e in app.history(holder)["events"] if e["type"] == "FeePaid"]
    finally:
        app.close()


STATEMENT = [
    HEADER,
    ["B-001", "2026/9/3", "11,000", "0123 ｺﾝｹﾝ ﾀﾛｳ"],  # half-width, spaced, as banks print
    ["B-002", "2026-09-04", "11000", "0456ﾔﾏﾀﾞｲﾂﾍﾟｲ"],  # small ッ printed large
    ["B-001", "2026/9/3", "11,000", "0123 ｺﾝｹﾝ ﾀﾛｳ"],  # the same row again in the export
    ["B-003", "2026-09-05", "11000", "0777ｺﾝｹﾝﾊﾅｺ"],  # ambiguous: H0003 or H0004
    ["B-004", "2026-09-06", "33000", "ｶ)ｺﾝｹﾝｼﾖｳｼﾞ"],  # a company paying for three holders
    ["B-005", "2026-09-31", "11000", "0123ｺﾝｹﾝﾀﾛｳ"],  # no such date
    ["B-006", "2026-09-07", "", "0123ｺﾝｹﾝﾀﾛｳ"],  # no amount
]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_a_statement_pays_the_matching_applications_and_queues_the_rest(db_url, pending,
                                                                        tmp_path, encoding):
    path = write_csv(tmp_path / "statement.csv", STATEMENT, encoding)
    code, report = import_file(db_url, "bank-statement", path)
    assert code == 1
    assert (report["encoding"], report["recorded"], report["already_recorded"],
            report["unmatched"]) == (encoding, 2, 1, 2)
    assert rejected_lines(report) == {7: "INVALID_INPUT", 8: "INVALID_INPUT"}
    assert [r["line"] for r in report["unmatched_rows"]] == [5, 6]
    (paid,) = _fee_paid(db_url, "H0001")
    assert (paid["actor"], paid["data"]["bank_reference"]) == ("statement.csv:2", "B-001")
    assert [e["data"]["bank_reference"] for e in _fee_paid(db_url, "H0002")] == ["B-002"]
    for holder in ("H0003", "H0004"):  # ambiguous: neither is credited
        assert _fee_paid(db_url, holder) == []


def test_full_width_payer_names_match_too(db_url, pending, tmp_path):
    path = write_csv(tmp_path / "statement.csv",
                     [HEADER, ["B-010", "2026-09-03", "11000", "０１２３　コンケン　タロウ"]])
    code, report = import_file(db_url, "bank-statement", path)
    assert (code, report["recorded"]) == (0, 1)
    assert report["rejected_rows"] == [] and report["unmatched_rows"] == []


def test_a_re_import_of_the_statement_records_nothing_new(db_url, pending, tmp_path):
    path = write_csv(tmp_path / "statement.csv", STATEMENT[:6], "cp932")
    assert import_file(db_url, "bank-statement", path)[0] == 0
    before = event_count(db_url)
    code, report = import_file(db_url, "bank-statement", path)
    assert (code, report["recorded"], report["unmatched"], report["already_recorded"]) == (
        0, 0, 0, 5)
    assert event_count(db_url) == before
    assert len(_fee_paid(db_url, "H0001")) == 1


def test_a_dry_run_of_a_statement_records_nothing(db_url, pending, tmp_path):
    path = write_csv(tmp_path / "statement.csv", STATEMENT)
    before = event_count(db_url)
    code, report = import_file(db_url, "bank-statement", path, "--dry-run")
    assert (code, report["valid"], report["rejected"]) == (1, 5, 2)
    assert event_count(db_url) == before
