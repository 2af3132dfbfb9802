"""`lifecycle import applications`: JSON objects to file_application, from a file or a
directory, with the line of each object as its actor; re-imports file nothing twice."""

from __future__ import annotations

import json

import pytest

from .test_imports_support import (
    app_for,
    application,
    event_count,
    exam_pass,
    execute,
    import_file,
    rejected_lines,
)


@pytest.fixture
def passed(db_url):
    app = app_for(db_url)
    execute(app, *(exam_pass(f"H000{n}", f"P26-00012{n}", "コンケンタロウ") for n in (1, 2, 3)))
    app.close()


def _write(path, value, encoding="utf-8"):
    path.write_bytes(json.dumps(value, ensure_ascii=False, indent=2).encode(encoding))
    return path


def _filed(app, holder: str) -> list[dict]:
    return [e for e in app.history(holder)["events"] if e["type"] == "ApplicationFiled"]


def test_a_directory_is_imported_file_by_file_in_name_order(db_url, passed, tmp_path):
    folder = tmp_path / "apps"
    folder.mkdir()
    _write(folder / "b.json", [application("H0002"), application("H0003")], "utf-8-sig")
    _write(folder / "a.json", application("H0001"))
    (folder / "c.json").write_text('{"holder": "H0004",', encoding="utf-8")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    code, report = import_file(db_url, "applications", folder)
    assert (code, report["recorded"], report["rejected"]) == (1, 3, 1)
    (broken,) = report["rejected_rows"]
    assert (broken["file"], broken["code"]) == ("c.json", "INVALID_INPUT")
    assert "not valid JSON" in broken["message"]
    app = app_for(db_url)
    # Each object's actor is the file and the line its `{` is on.
    lines = (folder / "b.json").read_text(encoding="utf-8-sig").splitlines()
    starts = [n for n, line in enumerate(lines, start=1) if line == "  {"]
    assert [_filed(app, h)[0]["actor"] for h in ("H0001", "H0002", "H0003")] == [
        "a.json:1", f"b.json:{starts[0]}", f"b.json:{starts[1]}"]
    assert starts[0] == 2
    app.close()


def test_a_re_import_after_a_rejection_does_not_file_again(db_url, passed, tmp_path):
    path = _write(tmp_path / "apps.json", [application("H0001"), application("H0002")])
    assert import_file(db_url, "applications", path)[0] == 0
    app = app_for(db_url)
    # H0001 is rejected: filing the very same application again would now be legal.
    execute(app, {"type": "record_payment", "holder": "H0001", "purpose": "certification",
                  "qualification": "CAP", "amount": 11000, "paid_on": "2026-09-03",
                  "payer_name": "0121コンケンタロウ", "bank_reference": "B-1"},
            {"type": "decide_application", "holder": "H0001", "qualification": "CAP",
                  "on": "2026-09-10", "decision": "reject", "reasons": ["incomplete"]})
    before = event_count(db_url)
    code, report = import_file(db_url, "applications", path)
    assert (code, report["recorded"], report["already_recorded"]) == (0, 0, 2)
    assert event_count(db_url) == before
    assert len(_filed(app, "H0001")) == 1
    app.close()


def test_business_and_shape_errors_are_reported_per_object(db_url, passed, tmp_path):
    no_date = {k: v for k, v in application("H0002").items() if k != "on"}
    path = _write(tmp_path / "apps.json", [
        application("H0001", on="2030-01-01"),  # after the pass report's last day
        no_date,
        application("H0003", qualification="SV"),
        application("H0009"),
        {"type": "log_cpd", "holder": "H0003"},
    ])
    code, report = import_file(db_url, "applications", path)
    assert code == 1
    assert sorted(rejected_lines(report).values()) == [
        "INVALID_INPUT", "INVALID_INPUT", "INVALID_INPUT", "PASS_REPORT_EXPIRED",
        "UNKNOWN_HOLDER"]
    dry = import_file(db_url, "applications", path, "--dry-run")[1]
    assert (dry["valid"], dry["rejected"]) == (2, 3)  # business rules need recording
