"""Finding holders: by a holder, certification or pass number, and by the start of a name or
its kana folded as payer names are (half-width, hiragana, small kana, spaces), paged; and
the dashboard's figures from the same records. On both stores."""

from __future__ import annotations

import re

import pytest

from projections import dashboard
from projections.search import holders_named

from .console_support import Console, drop_schema, log_in, store_url

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SIGNED = {"name": "上司", "organization": "A", "signed_on": "2026-08-20"}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def console(request, tmp_path_factory):
    url, schema = store_url(request.param, tmp_path_factory.mktemp("search"))
    made = Console(url)
    with made.client():
        for number, name, kana in (("S-001", "佐藤 一郎", "サトウイチロウ"),
                                   ("S-002", "佐藤 二郎", "サトウジロウ"),
                                   ("S-003", "佐藤 三郎", "サトウサブロウ"),
                                   ("S-004", "服部 栞", "ハットリシオリ")):
            assert made.execute({"type": "record_exam_pass", "holder": number,
                                 "qualification": "OMP", "pass_number": f"P-{number}",
                                 "issued_on": "2026-06-15", "name": name,
                                 "name_kana": kana})["ok"]
        for command in (
                {"type": "file_application", "holder": "S-004", "qualification": "OMP",
                 "on": "2026-09-01", "experience": [
                     {"organization": "A", "from": "2020-01", "to": "2024-12",
                      "fields": [4, 1], "supervisor": SIGNED}], "substitutions": [],
                 "ethics_pledge_signed_on": "2026-08-30", "pass_report_copy": True},
                {"type": "record_payment", "holder": "S-004", "purpose": "certification",
                 "qualification": "OMP", "amount": 11000, "paid_on": "2026-09-02",
                 "payer_name": "004ﾊﾂﾄﾘｼｵﾘ", "bank_reference": "B-S-4"},
                {"type": "decide_application", "holder": "S-004", "qualification": "OMP",
                 "on": "2026-10-01", "decision": "certify"}):
            assert made.execute(command)["ok"], command
        yield made
    drop_schema(schema)


@pytest.mark.parametrize("typed", ["はっとり", "ﾊｯﾄﾘ", "ハツトリ", "ハット リ", "服部", "服 部 栞"])
def test_a_name_or_its_kana_is_found_however_it_is_typed(console, typed):
    page = holders_named(console.services.engine, typed)
    assert [item["holder"] for item in page.items] == ["S-004"]


def test_names_are_listed_a_page_at_a_time(console):
    first = holders_named(console.services.engine, "サトウ", limit=2)
    assert len(first.items) == 2 and first.next_after is not None
    rest = holders_named(console.services.engine, "サトウ", limit=2, after=first.next_after)
    found = {i["holder"] for i in first.items + rest.items}
    assert found == {"S-001", "S-002", "S-003"} and rest.next_after is None
    assert holders_named(console.services.engine, "サトウジ").items[0]["holder"] == "S-002"


def test_a_number_of_any_kind_opens_its_holder(console):
    client = console.client()
    log_in(client, "reader")
    holder_page = client.get("/console/holders/S-004")
    number = re.search(r"OMP-\d{4}-\d{5}", holder_page.text).group(0)
    for typed in ("S-004", "P-S-004", number):
        found = client.get("/console/search", params={"q": typed})
        assert found.status_code == 303 and found.headers["location"] == "/console/holders/S-004"
    listed = client.get("/console/search", params={"q": "さとう"})
    assert listed.status_code == 200 and listed.text.count("/console/holders/S-00") == 3
    assert "当てはまる認定者はいません" in client.get("/console/search",
                                                 params={"q": "P-NONE"}).text


def test_the_dashboard_counts_the_records_it_is_given(console):
    engine = console.services.engine
    counts = dashboard.status_counts(engine, console.services.today())
    assert counts["OMP"].get("certified", 0) + counts["OMP"].get(
        "renewal_window_open", 0) == 1
    years = dashboard.per_fiscal_year(engine, console.services.today())
    assert years[2026] == {"certifications": 1, "renewals": 0, "lapses": 0}
    assert dashboard.lapses_coming(engine, __import__("datetime").date(2030, 3, 15), 90)[0] == 1
    client = console.client()
    log_in(client, "reader")
    page = client.get("/console/")
    assert page.status_code == 200 and page.text.count("<rect") == 3  # one year, 3 series


def test_the_dashboard_is_counted_at_most_once_a_minute_and_again_on_a_new_day():
    from datetime import date
    from types import SimpleNamespace

    from lifecycle.http.console.views.dashboard import FRESH_SECONDS, Figures

    now, today, made = [0.0], [date(2027, 1, 5)], []
    services = SimpleNamespace(engine=None, today=lambda: today[0])
    figures = Figures(clock=lambda: now[0],
                      compute=lambda _engine, day: made.append(day) or {"day": day})
    figures.get(services)
    now[0] += FRESH_SECONDS - 1
    assert figures.get(services) == {"day": date(2027, 1, 5)} and len(made) == 1
    now[0] += 2
    figures.get(services)
    today[0] = date(2027, 1, 6)
    assert figures.get(services) == {"day": date(2027, 1, 6)} and len(made) == 3
