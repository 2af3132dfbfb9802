"""`lifecycle query ... --csv`: one header, and every row under it, whatever the statuses."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from lifecycle.cli import main

from .test_imports_support import app_for, certified, exam_pass, execute, run_cli


def test_a_status_without_window_or_cpd_first_still_gives_every_row_the_same_columns(db_url):
    app = app_for(db_url)
    execute(app, exam_pass("H0001", "P26-000456", "ヨシダハナコ"))  # passed: no window, no CPD
    certified(app, "H0002", "P24-000123", "コンケンタロウ")
    app.close()
    assert run_cli(db_url, "projections", "catch-up")[0] == 0
    done = CliRunner().invoke(main, ["--db", db_url, "query", "credentials", "--as-of",
                                     "2026-07-01", "--csv"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    passed, certified_row = csv.DictReader(io.StringIO(done.stdout, newline=""))
    assert (passed["holder"], passed["status"], passed["renewal_window.opens_on"],
            passed["cpd.by_category.A"]) == ("H0001", "passed", "", "")
    assert (certified_row["holder"], certified_row["renewal_window.opens_on"],
            certified_row["cpd.required"]) == ("H0002", "2028-01-01", "30")
