"""Every CSV the project writes is safe to open in a spreadsheet: a cell that would start a
formula (`=`, `+`, `-`, `@`, tab, carriage return) is written with a leading `'` (OWASP,
CSV injection), in exports (UTF-8 with BOM and CP932), `--csv` of queries and history, and
the rejected-row reports of imports."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from lifecycle.cli import main
from lifecycle.csv_out import neutralise

from .test_imports_support import app_for, exam_pass, execute, run_cli, write_csv

ROOT = Path(__file__).resolve().parents[2]
NAME, KANA, EMAIL = '=HYPERLINK("http://x","y")', "+カナ", "@SUM(1)"
FORMULA = re.compile(r"^[=+\-@\t\r]")


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(1)", "\t=1", "\r=1", "-5"])
def test_a_text_cell_starting_like_a_formula_gets_a_quote(cell):
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["今田 太郎", "H0001", "2026-06-15", "", "a=b", " =1", None, 5,
                                  -5, Decimal("-1.5")])
def test_other_cells_and_numbers_the_engine_computed_are_written_as_they_are(cell):
    assert neutralise(cell) == cell


def test_every_csv_writer_of_the_project_goes_through_csv_out():
    writers = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [str(path.relative_to(ROOT))
                 for package in ("lifecycle", "projections", "schedulers", "aggregates")
                 for path in (ROOT / package).rglob("*.py")
                 if path.name != "csv_out.py" and writers.search(path.read_text("utf-8"))]
    assert offenders == []


@pytest.fixture
def hostile(db_url):
    app = app_for(db_url)
    command = exam_pass("H0001", "P24-000123", KANA, name=NAME)
    command["email"] = EMAIL
    execute(app, command)
    app.close()


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _no_formula(rows: list[list[str]]) -> None:
    assert rows, "no rows written"
    for row in rows:
        for cell in row:
            assert not FORMULA.match(cell), (cell, row)


def _holder_row(rows: list[list[str]]) -> dict[str, str]:
    header, *body = rows
    return dict(zip(header, next(r for r in body if "H0001" in r), strict=True))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_exports_neutralise_name_kana_and_email(db_url, hostile, tmp_path, encoding):
    out = tmp_path / "out.csv"
    code, output = run_cli(db_url, "export", "credentials", "--as-of", "2026-07-01",
                           "--encoding", encoding, "--output", str(out))
    assert code == 0, output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    rows = _cells(data.decode(encoding))
    _no_formula(rows)
    row = _holder_row(rows)
    assert (row["name"], row["name_kana"], row["email"]) == ("'" + NAME, "'" + KANA,
                                                             "'" + EMAIL)
    assert row["valid_from"] == "" and row["status"] == "passed"


def test_query_csv_neutralises_the_cells(db_url, hostile):
    assert run_cli(db_url, "projections", "catch-up")[0] == 0
    done = CliRunner().invoke(main, ["--db", db_url, "query", "credentials", "--as-of",
                                     "2026-07-01", "--csv"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    rows = _cells(done.stdout)
    _no_formula(rows)
    row = _holder_row(rows)
    assert (row["name"], row["name_kana"]) == ("'" + NAME, "'" + KANA)


def test_history_csv_neutralises_an_actor_from_a_file_named_like_a_formula(db_url, tmp_path):
    passes = write_csv(tmp_path / "=cmd.csv", [
        ["holder", "qualification", "pass_number", "issued_on", "name", "name_kana", "email"],
        ["H0001", "CAP", "P26-000123", "2026-06-15", NAME, "コンケンタロウ", EMAIL]])
    code, output = run_cli(db_url, "import", "exam-results", str(passes))
    assert code == 0, output
    done = CliRunner().invoke(main, ["--db", db_url, "history", "H0001", "--csv"],
                              catch_exceptions=False)
    assert done.exit_code == 0, done.output
    rows = _cells(done.stdout)
    _no_formula(rows)
    assert _holder_row(rows)["actor"] == "'=cmd.csv:2"


def test_the_rejected_rows_report_neutralises_its_cells(db_url, tmp_path):
    passes = write_csv(tmp_path / "@passes.csv", [
        ["holder", "qualification", "pass_number", "issued_on", "name", "name_kana", "email"],
        ["H0001", "=1+1", "P26-000123", "2026-06-15", NAME, KANA, EMAIL]])
    report = tmp_path / "report.csv"
    code, output = run_cli(db_url, "import", "exam-results", str(passes), "--report",
                           str(report))
    assert code == 1, output
    data = report.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = _cells(data.decode("utf-8-sig"))
    _no_formula(rows)
    header, (row,) = rows[0], rows[1:]
    assert dict(zip(header, row, strict=True))["file"] == "'@passes.csv"
