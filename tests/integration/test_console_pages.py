"""The console's office work over HTTP, on both stores: an import and its rejected rows, a
company transfer allocated across holders from the unmatched queue, the application's
evaluation before filing, and the export as a download (BOM or CP932, formulas defused)."""

from __future__ import annotations

import csv
import io

import pytest

from .console_support import Console, csrf_of, drop_schema, log_in, store_url

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SIGNED = {"name": "上司", "organization": "A", "signed_on": "2026-08-20"}
EXAM_RESULTS = ("holder,qualification,pass_number,issued_on,name,name_kana,email\r\n"
                "P-001,OMP,P26-100001,2026-06-15,=HYPERLINK(\"x\"),イマダタロウ,\r\n"
                "P-002,OMP,P26-100002,2026-06-15,山田 花子,ヤマダハナコ,\r\n"
                "P-003,XYZ,P26-100003,2026-06-15,鈴木 一郎,スズキイチロウ,\r\n")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def console(request, tmp_path_factory):
    url, schema = store_url(request.param, tmp_path_factory.mktemp("pages"))
    made = Console(url)
    with made.client():
        clerk = made.client()
        log_in(clerk, "clerk")
        report = clerk.post("/console/imports", data={
            "csrf": csrf_of(clerk, "/console/imports"), "kind": "exam-results"},
            files={"file": ("results.csv", EXAM_RESULTS.encode("utf-8"), "text/csv")})
        made.report = report
        made.clerk = clerk
        yield made
    drop_schema(schema)


def test_an_import_records_good_rows_as_the_clerk_and_reports_the_rejected(console):
    assert console.report.status_code == 200
    text = console.report.text
    assert "記録 <strong>2</strong>" in text and "不受理 <strong>1</strong>" in text
    assert "INVALID_INPUT" in text and "<td>4</td>" in text  # the file's line 4
    [passed] = console.events("P-002")
    assert passed["actor"] == "console:clerk/results.csv:3"


def test_the_export_is_a_download_safe_for_spreadsheets_in_either_encoding(console):
    utf8 = console.clerk.get("/console/exports/credentials.csv")
    assert utf8.status_code == 200
    assert "attachment" in utf8.headers["content-disposition"]
    assert utf8.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(utf8.content.decode("utf-8-sig"))))
    assert {r["holder"] for r in rows} == {"P-001", "P-002"}
    assert next(r for r in rows if r["holder"] == "P-001")["name"].startswith("'=")
    cp932 = console.clerk.get("/console/exports/credentials.csv",
                              params={"encoding": "cp932", "qualification": "OMP"})
    assert not cp932.content.startswith(b"\xef\xbb\xbf")
    assert "山田 花子" in cp932.content.decode("cp932")


def test_the_evaluation_is_shown_before_filing_and_filing_records_it(console):
    console.execute({"type": "record_exam_pass", "holder": "A-001", "qualification": "OMP",
                     "pass_number": "P26-200001", "issued_on": "2026-06-15",
                     "name": "今田 太郎", "name_kana": "コンケンタロウ"})
    form = {"holder": "A-001", "qualification": "OMP", "on": "2026-09-01",
            "exp0_organization": "A", "exp0_from": "2020-01", "exp0_to": "2022-12",
            "exp0_fields": ["4", "1"], "exp0_supervisor": "上司",
            "exp0_supervisor_organization": "A", "exp0_signed_on": "2026-08-20",
            "exp1_organization": "B", "exp1_from": "2023-01", "exp1_to": "2023-12",
            "exp1_fields": ["2"], "ethics_pledge_signed_on": "2026-08-30",
            "pass_report_copy": "yes"}
    client = console.clerk
    shown = client.post("/console/applications", data={
        **form, "csrf": csrf_of(client), "step": "evaluate"})
    assert shown.status_code == 200
    assert 'data-figure="months_counted">36か月' in shown.text
    assert "EXPERIENCE_INSUFFICIENT" in shown.text and "EXPERIENCE_UNVERIFIED" in shown.text
    assert "対象: 2行目" in shown.text  # the unsigned entry, as the form numbers its rows
    assert len(console.events("A-001")) == 1
    filed = client.post("/console/applications", data={
        **form, "csrf": csrf_of(client), "step": "submit"})
    assert filed.status_code == 303
    [_, application] = console.events("A-001")
    assert application["data"]["evaluation"]["experience"]["months_counted"] == 36
    pending = client.get("/console/holders/A-001").text.split('class="pending"')[1]
    assert "申請時の評価" in pending and "業務経験 36か月" in pending
    assert "EXPERIENCE_INSUFFICIENT" in pending and "0円 / 11,000円" in pending
    again = client.post("/console/applications", data={
        **form, "csrf": csrf_of(client), "step": "submit"})
    assert again.status_code == 422 and "ALREADY_PENDING" in again.text
    assert 'value="2020-01"' in again.text  # the clerk's input kept
    assert len(console.events("A-001")) == 2


def test_a_company_transfer_is_allocated_across_holders_from_the_unmatched_queue(console):
    for number, pass_number in (("C-001", "P26-300001"), ("C-002", "P26-300002")):
        console.execute({"type": "record_exam_pass", "holder": number, "qualification": "CAP",
                         "pass_number": pass_number, "issued_on": "2026-06-15",
                         "name": "社員", "name_kana": "シャイン"})
        console.execute({"type": "file_application", "holder": number,
                         "qualification": "CAP", "on": "2026-09-01", "experience": [],
                         "substitutions": [], "ethics_pledge_signed_on": "2026-08-30",
                         "pass_report_copy": True})
    client = console.clerk
    statement = "照会番号,入金日,金額,振込依頼人名\r\nB-CO-1,2026-09-05,22000,ｶ)ｺﾝｹﾝｼｮｳｼﾞ\r\n"
    uploaded = client.post("/console/payments/statement", data={"csrf": csrf_of(client)},
                           files={"statement": ("co.csv", statement.encode(), "text/csv")})
    assert "未照合 <strong>1</strong>" in uploaded.text
    queue = client.get("/console/payments").text
    assert "B-CO-1" in queue.split('id="unmatched"')[1].split('id="recorded"')[0]
    for number in ("C-001", "C-002"):
        done = client.post("/console/payments/allocate", data={
            "csrf": csrf_of(client), "bank_reference": "B-CO-1", "holder": number,
            "qualification": "CAP", "purpose": "certification", "amount": "11,000"})
        assert done.status_code == 303
    over = client.post("/console/payments/allocate", data={
        "csrf": csrf_of(client), "bank_reference": "B-CO-1", "holder": "A-001",
        "qualification": "OMP", "purpose": "certification", "amount": "11000"})
    assert over.status_code == 422 and "DUPLICATE_PAYMENT" in over.text
    for number in ("C-001", "C-002"):
        paid = console.events(number)[-1]
        assert (paid["type"], paid["actor"]) == ("FeePaid", "console:clerk")
    assert "B-CO-1" not in client.get("/console/payments").text.split(
        'id="unmatched"')[1].split('id="recorded"')[0]
