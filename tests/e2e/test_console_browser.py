"""The console in a browser: one holder's whole life keyed in and decided through the pages,
and the guards a person meets (a refused payment, a reader, a forged form, the as-of date)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from lifecycle.cli import main
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSED = {"type": "record_exam_pass", "qualification": "OMP", "issued_on": "2026-06-15",
          "name": "今田 太郎", "name_kana": "コンケンタロウ"}
EXPERIENCE = [
    {"organization": "A社", "from": "2021-01", "to": "2023-12", "fields": [4],
     "supervisor": {"name": "上司 一郎", "organization": "A社", "signed_on": "2026-08-20"}},
]


def _history(server, holder: str) -> list:
    return server.app.state.services.app.history(holder)["events"]


def _seed(server, holder: str, pass_number: str) -> None:
    """A holder who passed and applied (not paid), recorded behind the console's back."""
    app = server.app.state.services
    for command in ({**PASSED, "holder": holder, "pass_number": pass_number},
                    {"type": "file_application", "holder": holder, "qualification": "OMP",
                     "on": "2026-09-01", "experience": EXPERIENCE, "substitutions": [],
                     "ethics_pledge_signed_on": "2026-08-30", "pass_report_copy": True}):
        assert app.app.execute(command, actor="test", today=app.today())["ok"]
    app.catch_up()


def _status_shown(page, qualification: str) -> str:
    return page.locator(f"#q-{qualification} .status").get_attribute("data-status")


def _log_out(page) -> None:
    page.click("header form button")
    page.wait_for_url(re.compile(r"/console/login"))


def test_one_holder_walks_the_whole_lifecycle_in_the_browser(server, page):
    base, holder = server.base, "H-E2E-1"
    log_in(page, server, "clerk")
    # 検定試験合格
    page.goto(f"{base}/console/exam-pass")
    page.fill("input[name=holder]", holder)
    page.select_option("select[name=qualification]", "OMP")
    page.fill("input[name=pass_number]", "P26-000123")
    page.fill("input[name=issued_on]", "2026-06-15")
    page.fill("input[name=name]", "今田 太郎")
    page.fill("input[name=name_kana]", "コンケンタロウ")
    page.click("#exam-pass button[type=submit]")
    page.wait_for_url(re.compile(f"/console/holders/{holder}"))
    assert _status_shown(page, "OMP") == "passed"

    # 認定申請 (A)-(D), evaluated before it is filed
    page.goto(f"{base}/console/applications/new?holder={holder}&qualification=OMP")
    page.fill("input[name=on]", "2026-09-01")
    for row, (org, start, end, field) in enumerate(
            (("A社", "2021-01", "2023-12", "4"), ("B社", "2024-01", "2024-12", "1"))):
        page.fill(f"input[name=exp{row}_organization]", org)
        page.fill(f"input[name=exp{row}_from]", start)
        page.fill(f"input[name=exp{row}_to]", end)
        page.check(f"input[name=exp{row}_fields][value='{field}']")
        page.fill(f"input[name=exp{row}_supervisor]", "上司 一郎")
        page.fill(f"input[name=exp{row}_supervisor_organization]", org)
        page.fill(f"input[name=exp{row}_signed_on]", "2026-08-20")
    page.fill("input[name=sub0_name]", "コンタクトセンター研修")
    page.fill("input[name=sub0_months]", "12")
    page.fill("input[name=ethics_pledge_signed_on]", "2026-08-30")
    page.click("button[value=evaluate]")
    evaluation = page.locator("#evaluation")
    assert evaluation.locator("[data-figure=months_counted]").inner_text() == "48か月"
    assert evaluation.locator("[data-figure=total_months]").inner_text() == "60か月"
    assert evaluation.locator("[data-figure=required_field_months]").inner_text() == "36か月"
    assert "12か月" in evaluation.locator("[data-figure=substitution_used]").inner_text()
    assert "FEE_NOT_PAID" in evaluation.inner_text()  # not paid yet: the only failure
    assert len(_history(server, holder)) == 1  # evaluating records nothing
    page.click("button[value=submit]")
    page.wait_for_url(re.compile(f"/console/holders/{holder}"))
    assert _status_shown(page, "OMP") == "applied"

    # 入金明細: the bank prints the payer name in half-width kana
    page.goto(f"{base}/console/payments")
    page.set_input_files("input[name=statement]", files=[{
        "name": "statement-2026-09.csv", "mimeType": "text/csv",
        "buffer": "照会番号,入金日,金額,振込依頼人名\r\nB-E2E-1,2026-09-03,11000,0123ｺﾝｹﾝ ﾀﾛｳ\r\n"
                  .encode()}])
    page.click("#statement button[type=submit]")
    assert "記録 1" in page.locator("#import-report .counts").inner_text()
    _log_out(page)

    # 認定 by the reviewer
    log_in(page, server, "reviewer")
    page.goto(f"{base}/console/holders/{holder}?as_of=2026-10-01")
    assert _status_shown(page, "OMP") == "accepted"
    page.fill("form[action$=decide_application] input[name=on]", "2026-10-01")
    page.click("form[action$=decide_application] button[type=submit]")
    page.wait_for_url(re.compile(r"done=decide_application"))
    number = page.locator("#q-OMP dd").first.inner_text()
    assert re.fullmatch(r"OMP-2027-\d{5}", number)
    _log_out(page)

    # CPD, the renewal request and its fee, by the clerk
    log_in(page, server, "clerk")
    for entry, category, field, on, hours in (("e1", "A", "", "2027-05-10", "30"),
                                              ("e2", "B", "4", "2027-06-01", "3")):
        page.goto(f"{base}/console/holders/{holder}?as_of=2027-07-01")
        form = page.locator("#log-cpd")
        form.locator("input[name=entry_id]").fill(entry)
        form.locator("select[name=category]").select_option(category)
        form.locator("select[name=field]").select_option(field)
        form.locator("input[name=activity_on]").fill(on)
        form.locator("input[name=hours]").fill(hours)
        form.locator("input[name=title]").fill("研修")
        form.locator("input[name=provider]").fill("協会")
        form.locator("input[name=on]").fill("2027-07-01")
        form.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r"done=log_cpd"))
    page.goto(f"{base}/console/holders/{holder}?as_of=2030-01-15")
    assert _status_shown(page, "OMP") == "renewal_window_open"
    renewal = page.locator("form[action$=request_renewal]")
    renewal.locator("input[name=on]").fill("2030-01-15")
    renewal.locator("input[name=ethics_pledge_signed_on]").fill("2030-01-10")
    renewal.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"done=request_renewal"))
    page.goto(f"{base}/console/payments?holder={holder}&qualification=OMP&purpose=renewal")
    payment = page.locator("#record-payment")
    payment.locator("input[name=amount]").fill("11000")
    payment.locator("input[name=paid_on]").fill("2030-01-20")
    payment.locator("input[name=payer_name]").fill(number[-4:] + "ｺﾝｹﾝﾀﾛｳ")
    payment.locator("input[name=bank_reference]").fill("B-E2E-2")
    payment.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"done=record_payment"))
    _log_out(page)

    # CPD監査 (e2 disallowed) and 更新 by the reviewer
    log_in(page, server, "reviewer")
    page.goto(f"{base}/console/holders/{holder}?as_of=2030-02-20")
    assert _status_shown(page, "OMP") == "renewal_audit"
    audit = page.locator("form[action$=complete_audit]")
    audit.locator("input[name=on]").fill("2030-02-20")
    audit.locator("input[value=e2]").check()
    audit.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"done=complete_audit"))
    page.goto(f"{base}/console/holders/{holder}?as_of=2030-02-21")
    decide = page.locator("form[action$=decide_renewal]")
    decide.locator("input[name=on]").fill("2030-02-21")
    decide.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"done=decide_renewal"))
    page.goto(f"{base}/console/holders/{holder}?as_of=2030-04-01")
    assert _status_shown(page, "OMP") == "certified"
    assert "2033-03-31" in page.locator("#q-OMP").inner_text()

    # The same answer from the command line
    result = CliRunner().invoke(main, ["--db", server.settings.database_url, "status", holder,
                                       "--as-of", "2030-04-01", "--json"])
    shown = json.loads(result.output)["qualifications"]["OMP"]
    assert (shown["status"], shown["certification_number"], shown["valid_from"],
            shown["valid_until"]) == ("certified", number, "2030-04-01", "2033-03-31")
    actors = {e["actor"] for e in _history(server, holder)}
    assert {"console:clerk", "console:reviewer"} <= actors


def test_a_wrong_payer_name_shows_payment_mismatch_and_writes_nothing(server, page):
    holder = "H-E2E-2"
    _seed(server, holder, "P26-000200")
    before = len(_history(server, holder))
    log_in(page, server, "clerk")
    page.goto(f"{server.base}/console/payments?holder={holder}&qualification=OMP")
    payment = page.locator("#record-payment")
    payment.locator("input[name=amount]").fill("11000")
    payment.locator("input[name=paid_on]").fill("2026-09-03")
    payment.locator("input[name=payer_name]").fill("0200ﾍﾞﾂﾉﾋﾄ")
    payment.locator("input[name=bank_reference]").fill("B-E2E-MISMATCH")
    payment.locator("button[type=submit]").click()
    refusal = page.locator("#record-payment .refusal")
    assert refusal.locator(".code").inner_text() == "PAYMENT_MISMATCH"
    assert page.locator("#record-payment input[name=payer_name]").input_value() == "0200ﾍﾞﾂﾉﾋﾄ"
    assert len(_history(server, holder)) == before
    assert "B-E2E-MISMATCH" not in page.locator("#recorded").inner_text()


def test_a_reader_gets_no_write_forms_and_a_forged_post_is_refused(server, page):
    holder = "H-E2E-3"
    _seed(server, holder, "P26-000300")
    before = len(_history(server, holder))
    log_in(page, server, "reader")
    page.goto(f"{server.base}/console/holders/{holder}")
    assert page.locator("form[method=post]").count() == 1  # logging out, nothing else
    csrf = page.locator("header input[name=csrf]").input_value()
    forged = page.request.post(
        f"{server.base}/console/holders/{holder}/act/log_cpd",
        form={"csrf": csrf, "entry_id": "x1", "category": "A", "activity_on": "2026-09-01",
              "hours": "3", "title": "t", "provider": "p", "on": "2026-09-02"})
    assert forged.status == 403
    assert len(_history(server, holder)) == before
    page.goto(f"{server.base}/console/payments")
    assert page.locator("#record-payment").count() == 0


def test_a_post_without_the_csrf_token_is_refused(server, page):
    holder = "H-E2E-4"
    _seed(server, holder, "P26-000400")
    before = len(_history(server, holder))
    log_in(page, server, "clerk")
    forged = page.request.post(
        f"{server.base}/console/holders/{holder}/act/withdraw_cpd",
        form={"entry_id": "x1", "on": "2026-09-02"})
    assert forged.status == 403
    assert "CSRF" in forged.text()
    assert len(_history(server, holder)) == before
    page.goto(f"{server.base}/console/holders/{holder}")


def test_the_as_of_date_changes_what_the_holder_page_shows(server, page):
    holder = "H-E2E-5"
    _seed(server, holder, "P26-000500")
    log_in(page, server, "auditor")
    page.goto(f"{server.base}/console/holders/{holder}?as_of=2026-07-01")
    assert _status_shown(page, "OMP") == "passed"
    assert page.locator("tr.after-as-of").count() == 1  # the application, dated later
    page.fill("input[name=as_of]", "2026-09-02")
    page.click("form.asof button[type=submit]")
    page.wait_for_url(re.compile(r"as_of=2026-09-02"))
    assert _status_shown(page, "OMP") == "applied"
    assert page.locator("tr.after-as-of").count() == 0


def _renewed_on_30_points(server, holder: str, pass_number: str) -> None:
    """A CAP holder renewed in the 2030 window on exactly the 30 points required (audited,
    since this server audits every renewal), recorded behind the console's back."""
    from tests.integration.cli_driver import (
        certification_batch,
        complete_audit,
        cpd_batch_30,
        decide_renewal,
        renewal_payment,
        request_renewal,
    )

    services = server.app.state.services

    def record(commands: list[dict]) -> None:
        for command in commands:
            assert services.app.execute(command, actor="test", today=services.today())["ok"]

    record(certification_batch(holder, pass_number=pass_number) + cpd_batch_30(holder))
    number = next(e["data"]["certification_number"] for e in _history(server, holder)
                  if e["type"] == "Certified")
    record([request_renewal(holder, "CAP", "2030-01-15"),
            renewal_payment(holder, "2030-01-20", f"R-{holder}", certification_number=number),
            complete_audit(holder, "CAP", "2030-02-20"),
            decide_renewal(holder, "CAP", "2030-03-01")])
    services.catch_up()


def test_a_reviewer_asks_what_a_higher_cpd_requirement_would_change(server, page):
    from lifecycle.policy.loading import default_text

    holder = "H-E2E-W1"
    _renewed_on_30_points(server, holder, "P26-000900")
    before = len(_history(server, holder))
    log_in(page, server, "reviewer")
    page.click("header nav >> text=影響試算")
    proposal = default_text().replace('version = "spec"', 'version = "req-35"').replace(
        "required = 30 ", "required = 35 ", 1)
    page.fill("textarea[name=proposal]", proposal)
    page.fill("input[name=as_of]", "2030-04-02")
    page.click("#what-if button[type=submit]")
    page.wait_for_url(re.compile(r"/console/what-if/runs/[0-9a-f]+$"))
    run_id = page.url.rsplit("/", 1)[1]
    server.app.state.console.what_if.wait(run_id, 120)  # then the page shows the result
    page.reload()
    assert page.locator("#what-if-state").get_attribute("data-state") == "done"
    changed = page.locator("#what-if-counts tr.changed[data-then=lapsed]")
    assert changed.count() >= 1
    row = page.locator(f"#what-if-rows tr[data-holder='{holder}']")
    assert row.locator("td").nth(3).inner_text() == "失効"
    assert "30 of 35" in row.inner_text()
    assert len(_history(server, holder)) == before  # nothing recorded
    page.screenshot(path="/tmp/whatif-page.png", full_page=True)
