"""`lifecycle import exam-results`: rows to record_exam_pass, in both encodings, re-runnable."""

from __future__ import annotations

from datetime import date

from .test_imports_support import (
    app_for,
    event_count,
    import_file,
    rejected_lines,
    run_cli,
    write_csv,
)

HEADER = ["holder", "qualification", "pass_number", "issued_on", "name", "name_kana", "email"]
ROWS = [
    HEADER,
    ["H0001", "CAP", "P26-000123", "2026-06-15", "今田 太郎", "ｺﾝｹﾝﾀﾛｳ", "t@example.jp"],
    ["Ｈ０００２", "omp", "P26-000456", "2026/6/15", "山田 花子", "ヤマダハナコ", ""],
    ["H0003", "XYZ", "P26-000789", "2026-06-15", "鈴木 一郎", "スズキイチロウ", ""],
    ["H0004", "CAP", "P26-000790", "2026-13-01", "佐藤 次郎", "サトウジロウ", ""],
    ["H0005", "CAP", "P26-000791"],
    ["H0006", "SV", "S26-000001", "2026-06-15", "高橋 三郎", "ﾀｶﾊｼｻﾌﾞﾛｳ", ""],
]
JULY = date(2026, 7, 1)
BAD = {4: "INVALID_INPUT", 5: "INVALID_INPUT", 6: "INVALID_INPUT"}


def test_good_rows_are_recorded_with_file_and_line_and_bad_rows_are_reported(db_url, tmp_path):
    path = write_csv(tmp_path / "passes.csv", ROWS)
    code, report = import_file(db_url, "exam-results", path)
    assert code == 1
    assert (report["encoding"], report["recorded"], report["rejected"]) == ("utf-8-sig", 3, 3)
    assert rejected_lines(report) == BAD
    messages = " ".join(r["message"] for r in report["rejected_rows"])
    assert "XYZ" in messages and "2026-13-01" in messages and "line 6 has 3 values" in messages
    app = app_for(db_url)
    first = app.history("H0001")["events"][0]
    assert (first["type"], first["actor"]) == ("ExamPassed", "passes.csv:2")
    assert app.history("H0002")["events"][0]["actor"] == "passes.csv:3"
    # Half-width kana is registered full-width; the slash date and full-width number read.
    assert app.status("H0001", JULY)["name_kana"] == "コンケンタロウ"
    assert app.status("H0006", JULY)["name_kana"] == "タカハシサブロウ"
    assert app.status("H0002", JULY)["qualifications"]["OMP"]["status"] == "passed"
    app.close()


def test_importing_the_same_file_twice_records_nothing_new(db_url, tmp_path):
    path = write_csv(tmp_path / "passes.csv", ROWS)
    import_file(db_url, "exam-results", path)
    before = event_count(db_url)
    code, report = import_file(db_url, "exam-results", path)
    assert (code, report["recorded"], report["already_recorded"]) == (1, 0, 3)
    assert rejected_lines(report) == BAD
    assert event_count(db_url) == before


def test_a_cp932_file_from_excel_is_detected_and_reads_the_same(db_url, tmp_path):
    path = write_csv(tmp_path / "合格者.csv", [ROWS[0], ROWS[1], ROWS[6]], "cp932")
    code, report = import_file(db_url, "exam-results", path)
    assert (code, report["encoding"], report["recorded"]) == (0, "cp932", 2)
    app = app_for(db_url)
    status = app.status("H0001", JULY)
    assert (status["name"], status["name_kana"]) == ("今田 太郎", "コンケンタロウ")
    assert app.history("H0006")["events"][0]["actor"] == "合格者.csv:3"
    app.close()


def test_a_named_encoding_overrides_detection(db_url, tmp_path):
    path = write_csv(tmp_path / "passes.csv", [ROWS[0], ROWS[1]], "cp932")
    code, report = import_file(db_url, "exam-results", path, "--encoding", "shift_jis")
    assert (code, report["encoding"], report["recorded"]) == (0, "shift_jis", 1)
    code, out = run_cli(db_url, "import", "exam-results", str(path), "--encoding", "utf-8")
    assert code == 2 and "nothing was imported" in out


def test_a_dry_run_checks_shapes_and_records_nothing(db_url, tmp_path):
    path = write_csv(tmp_path / "passes.csv", ROWS)
    code, report = import_file(db_url, "exam-results", path, "--dry-run")
    assert (code, report["valid"], report["recorded"]) == (1, 3, 0)
    assert rejected_lines(report) == BAD
    assert "business rules" in report["note"]
    assert event_count(db_url) == 0


def test_a_file_without_a_required_column_is_refused_whole(db_url, tmp_path):
    path = write_csv(tmp_path / "passes.csv", [[c for c in HEADER if c != "pass_number"],
                                               ["H0001", "CAP", "2026-06-15", "a", "ア", ""]])
    code, out = run_cli(db_url, "import", "exam-results", str(path))
    assert code == 2
    assert event_count(db_url) == 0


def test_the_rejected_rows_report_file_lists_line_code_message(db_url, tmp_path):
    path = write_csv(tmp_path / "passes.csv", ROWS)
    report_file = tmp_path / "rejected.csv"
    import_file(db_url, "exam-results", path, "--report", str(report_file))
    lines = report_file.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "file,line,outcome,code,message"
    assert [line.split(",")[1] for line in lines[1:]] == ["4", "5", "6"]
