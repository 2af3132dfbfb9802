"""Bank reconciliation: statement rows matched by payer name, the unmatched queue, and a
clerk splitting a company transfer across holders."""

from __future__ import annotations

import json

from click.testing import CliRunner

from lifecycle.cli import main
from tests.integration.test_store import TODAY, _app, _certified


def _file(app, holder: str, suffix: str, prefix: str = "P26-00") -> None:
    for command in (
        {"type": "record_exam_pass", "holder": holder, "qualification": "OMP",
         "pass_number": f"{prefix}{suffix}", "issued_on": "2026-06-15", "name": "n",
         "name_kana": "コンケンタロウ"},
        {"type": "file_application", "holder": holder, "qualification": "OMP",
         "on": "2026-09-01", "ethics_pledge_signed_on": "2026-08-30", "pass_report_copy": True},
    ):
        assert app.execute(command, actor="test", today=TODAY)["ok"]


def _transfer(reference: str, payer: str, amount: int = 11000) -> dict:
    return {"type": "record_transfer", "bank_reference": reference, "paid_on": "2026-09-03",
            "amount": amount, "payer_name": payer}


def test_a_row_matching_one_pending_item_pays_it_and_a_rerun_records_nothing(db_url):
    app = _app(db_url)
    _file(app, "H1", "0123")
    _file(app, "H2", "0456")
    paid = app.execute(_transfer("T1", "0123 ｺﾝｹﾝ ﾀﾛｳ"), actor="statement.csv:2", today=TODAY)
    assert paid["matched"] == {"holder": "H1", "qualification": "OMP",
                               "purpose": "certification"}
    assert [e["type"] for e in paid["events"]] == ["FeePaid"]
    assert app.status("H1", TODAY)["qualifications"]["OMP"]["status"] == "accepted"
    again = app.execute(_transfer("T1", "0123 ｺﾝｹﾝ ﾀﾛｳ"), actor="statement.csv:2", today=TODAY)
    assert again == {"ok": True, "events": [], "already_recorded": True}


def test_ambiguous_and_unknown_payers_wait_in_the_queue_until_a_clerk_allocates(db_url):
    app = _app(db_url)
    for holder in ("H1", "H2", "H3"):
        _file(app, holder, f"0{holder[-1]}99")
    _file(app, "H4", "0777")
    _certified(app, "H6", "0888")
    company = app.execute(_transfer("CO-1", "ｶ)ｺﾝｹﾝｼﾖｳｼﾞ", 33000), actor="s:1", today=TODAY)
    assert company["events"] == [] and "no pending" in company["unmatched"]["reason"]

    runner = CliRunner()
    listed = runner.invoke(main, ["--db", db_url, "payments", "unmatched", "--json"])
    assert [i["bank_reference"] for i in json.loads(listed.output)] == ["CO-1"]
    for holder in ("H1", "H2", "H3"):
        allocated = runner.invoke(main, ["--db", db_url, "payments", "allocate", "CO-1",
                                         "--holder", holder, "--qualification", "OMP",
                                         "--purpose", "certification", "--amount", "11000",
                                         "--clerk", "sato"])
        assert allocated.exit_code == 0, allocated.output
        result = json.loads(allocated.output.splitlines()[0])
        assert result["events"][0]["actor"] == "sato"
    over = runner.invoke(main, ["--db", db_url, "payments", "allocate", "CO-1", "--holder",
                                "H4", "--qualification", "OMP", "--purpose", "certification",
                                "--amount", "1", "--clerk", "sato"])
    assert json.loads(over.output.splitlines()[0])["error"]["code"] == "DUPLICATE_PAYMENT"
    for holder in ("H1", "H2", "H3"):
        assert app.status(holder, TODAY)["qualifications"]["OMP"]["status"] == "accepted"
    emptied = runner.invoke(main, ["--db", db_url, "payments", "unmatched", "--json"])
    assert json.loads(emptied.output) == []


def test_two_pending_items_under_one_payer_name_are_ambiguous(sqlite_url):
    app = _app(sqlite_url)
    _file(app, "H1", "0777")
    _file(app, "H2", "0777", prefix="P25-10")  # another pass, the same last 4 digits and kana
    result = app.execute(_transfer("T9", "0777ｺﾝｹﾝﾀﾛｳ"), actor="s:1", today=TODAY)
    assert result["events"] == [] and result["unmatched"]["reason"].startswith("ambiguous")
