"""The console's what-if page on both stores: a proposal replayed in the background lists the
holder a higher CPD requirement would lapse, with the CLI's counts and CSV rows; a bad file
is refused naming its line and starts nothing; only reviewers, auditors and administrators
may ask, and only with the form's CSRF token; one run at a time; a failed run is a sentence.
Runs are awaited through the console's `wait`, never by sleeping."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from lifecycle.http.console import views
from lifecycle.policy import background
from lifecycle.policy.loading import default_text

from .cli_driver import (
    HANAKO,
    _invoke,
    certification_batch,
    cpd_batch_30,
    cpd_batch_40,
    decide_renewal,
    renewal_payment,
    request_renewal,
)
from .console_support import Console, csrf_of, drop_schema, log_in, store_url

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
AS_OF = "2030-04-02"
RUN = re.compile(r"^/console/what-if/runs/([0-9a-f]+)(\?busy=1)?$")
WAIT = 120  # seconds: a spawned interpreter and a replay of two holders, on a busy machine


def proposal(required: int = 35) -> str:
    """The shipped rules with a higher CPD requirement for every cycle."""
    body = default_text().replace('version = "spec"', f'version = "req-{required}"')
    return body.replace("required = 30 ", f"required = {required} ", 1)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def console(request, tmp_path_factory):
    """H0001 renewed on exactly 30 points, H0002 on 40, in the 2030 window (as the CLI's
    what-if test has them)."""
    url, schema = store_url(request.param, tmp_path_factory.mktemp("whatif"))
    made = Console(url)
    with made.client():
        commands = (certification_batch("H0001") + cpd_batch_30("H0001")
                    + certification_batch("H0002", pass_number="P26-000456", person=HANAKO)
                    + cpd_batch_40("H0002"))
        for holder, number, extra in (("H0001", "CAP-2027-00001", {}),
                                      ("H0002", "CAP-2027-00002", {"person": HANAKO})):
            commands += [request_renewal(holder, "CAP", "2030-01-15"),
                         renewal_payment(holder, "2030-01-20", f"R-{holder}",
                                         certification_number=number, **extra),
                         decide_renewal(holder, "CAP", "2030-03-01")]
        for command in commands:
            assert made.execute(command)["ok"], command
        made.url = url
        made.runs = made.app.state.console.what_if
        yield made
    drop_schema(schema)


def _client(console, role: str):
    client = console.client()
    log_in(client, role)
    return client


def _start(client, body: str, *, as_of: str = AS_OF, upload: bool = False):
    data = {"csrf": csrf_of(client, "/console/what-if"), "as_of": as_of}
    if upload:
        return client.post("/console/what-if", data=data,
                           files={"file": ("proposal.toml", body.encode(), "text/plain")})
    return client.post("/console/what-if", data={**data, "proposal": body})


def _finished(console, started) -> str:
    assert started.status_code == 303, started.text
    run_id = RUN.match(started.headers["location"]).group(1)
    console.runs.wait(run_id, WAIT)
    return run_id


def _events(console) -> int:
    return console.services.app.recorder.max_notification_id() or 0


def _cli(console, folder, *args: str) -> str:
    """`lifecycle what-if` on the same store and proposal."""
    path = folder / "proposal.toml"
    path.write_text(proposal(), encoding="utf-8")
    return _invoke(["--db", console.url, "what-if", "--policy", str(path), "--as-of", AS_OF,
                    *args]).stdout


def test_a_higher_requirement_lists_the_holder_renewed_on_30_points_as_the_cli_does(console,
                                                                                    tmp_path):
    client = _client(console, "reviewer")
    assert 'href="/console/what-if"' in client.get("/console/").text
    before = _events(console)
    run_id = _finished(console, _start(client, proposal(), upload=True))
    page = client.get(f"/console/what-if/runs/{run_id}")
    assert page.status_code == 200 and 'data-state="done"' in page.text
    assert 'http-equiv="refresh"' not in page.text
    expected = json.loads(_cli(console, tmp_path, "--json"))
    assert 'data-figure="holders">2人' in page.text and 'data-figure="differing">2件' in page.text
    assert "現行 <code>spec</code> → 改定案 <code>req-35</code>" in page.text
    shown = re.findall(r'data-qualification="(\w+)" data-now="(\w+)" data-then="(\w+)">.*?'
                       r'class="num">([\d,]+)<', page.text, re.S)
    assert sorted((q, now, then, int(n)) for q, now, then, n in shown) == sorted(
        (c["qualification"], c["now"], c["then"], c["holders"]) for c in expected["counts"])
    assert 'class="changed" data-qualification="CAP" data-now="certified" data-then="lapsed"' \
        in page.text
    lapsed = page.text.split('data-holder="H0001"')[1].split("</tr>")[0]
    assert f'href="/console/holders/H0001?as_of={AS_OF}#q-CAP"' in lapsed
    assert "認定" in lapsed and "失効" in lapsed and "30 of 35" in lapsed
    # now: the renewed cycle, nothing logged yet; then: the cycle whose renewal is refused
    assert '"num">0/30<' in lapsed and '"num">30/35<' in lapsed
    download = client.get(f"/console/what-if/runs/{run_id}.csv")
    assert download.status_code == 200 and "attachment" in download.headers[
        "content-disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows == list(csv.reader(io.StringIO(_cli(console, tmp_path, "--csv"))))
    assert _events(console) == before  # nothing recorded by a what-if


def test_the_differing_holders_come_a_page_at_a_time(console, monkeypatch):
    monkeypatch.setattr(views.what_if, "PAGE", 1)
    client = _client(console, "auditor")
    run_id = _finished(console, _start(client, proposal()))
    first = client.get(f"/console/what-if/runs/{run_id}").text
    second = client.get(f"/console/what-if/runs/{run_id}?page=2").text
    assert 'data-holder="H0001"' in first and 'data-holder="H0002"' not in first
    assert 'data-holder="H0002"' in second and 'data-holder="H0001"' not in second
    assert "1 / 2ページ" in first and "?page=2" in first and "2 / 2ページ" in second
    past_the_end = client.get(f"/console/what-if/runs/{run_id}?page=99").text
    assert "2 / 2ページ" in past_the_end


def test_a_bad_policy_file_shows_the_line_at_fault_and_starts_nothing(console):
    client = _client(console, "admin")
    runs_before = len(console.runs.recent())
    lines = proposal().splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("required = 35"))
    lines[at] = 'required = "thirty-five"'
    for upload in (False, True):
        refused = _start(client, "\n".join(lines) + "\n", upload=upload)
        assert refused.status_code == 422
        assert f"line {at + 1}, cpd.rules[1].required" in refused.text
        assert f"{at + 1}行目: <code>required = &#34;thirty-five&#34;</code>" in refused.text
        assert "試算は開始していません" in refused.text
        assert "thirty-five" in refused.text.split("<textarea")[1]  # kept, to be corrected
    assert len(console.runs.recent()) == runs_before


def test_a_reader_or_a_clerk_is_refused_the_page_and_the_post(console):
    for role in ("reader", "clerk"):
        client = _client(console, role)
        assert 'href="/console/what-if"' not in client.get("/console/").text
        page = client.get("/console/what-if")
        assert page.status_code == 403 and "FORBIDDEN" in page.text
        started = client.post("/console/what-if", data={
            "csrf": csrf_of(client), "proposal": proposal(), "as_of": AS_OF})
        assert started.status_code == 403
    assert console.runs.running() is None


def test_a_post_without_the_csrf_token_is_refused(console):
    client = _client(console, "reviewer")
    runs_before = len(console.runs.recent())
    forged = client.post("/console/what-if", data={"proposal": proposal(), "as_of": AS_OF})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert len(console.runs.recent()) == runs_before


class Held:
    """A run's process that runs until the test ends it (as a killed replay would)."""

    def __init__(self, *_args):
        import os

        self.sentinel, self._open = os.pipe()
        self.exitcode = None

    def kill(self) -> None:
        import os

        os.close(self._open)
        self.exitcode = -9

    def join(self, timeout=None) -> None:
        pass


def test_a_second_start_while_one_runs_shows_the_running_one(console, monkeypatch):
    held: list[Held] = []
    monkeypatch.setattr(background, "start", lambda *a: held.append(Held()) or held[-1])
    client = _client(console, "reviewer")
    first = _start(client, proposal())
    run_id = RUN.match(first.headers["location"]).group(1)
    running = client.get(first.headers["location"])
    assert 'data-state="running"' in running.text and 'http-equiv="refresh"' in running.text
    second = _start(client, proposal(40))
    assert second.headers["location"] == f"/console/what-if/runs/{run_id}?busy=1"
    assert "新しい試算は開始していません" in client.get(second.headers["location"]).text
    assert len(held) == 1
    held[0].kill()  # the process ends without a report, as one killed would
    ended = client.get(f"/console/what-if/runs/{run_id}").text
    assert 'data-state="failed"' in ended and "ended without a report" in ended


def test_a_database_fault_in_the_run_is_a_sentence_on_the_page(console, tmp_path):
    from lifecycle.settings import Settings

    client = _client(console, "reviewer")
    unreachable = Settings(database_url=f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    run, started = console.runs.start(unreachable, proposal(), console.services.today(),
                                      "req-35", "reviewer")
    assert started
    console.runs.wait(run.id, WAIT)
    page = client.get(f"/console/what-if/runs/{run.id}")
    assert page.status_code == 200 and 'data-state="failed"' in page.text
    assert "UNAVAILABLE" in page.text and "cannot open" in page.text
    assert "Traceback" not in page.text


def test_an_unknown_run_is_a_not_found_page(console):
    client = _client(console, "auditor")
    for path in ("/console/what-if/runs/0123456789abcdef", "/console/what-if/runs/nope.csv"):
        missing = client.get(path)
        assert missing.status_code == 404 and "NOT_FOUND" in missing.text
