"""Rules as a dated policy, through the CLI on both stores: adoption, its dates, refusals,
what-if, and stores written before policies existed."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

from sqlalchemy import text

from lifecycle.policy.loading import default_text

from .cli_driver import (
    HANAKO,
    _invoke,
    apply_ok,
    certification_batch,
    cpd_batch_30,
    cpd_batch_40,
    decide_renewal,
    events,
    holder_status,
    log_cpd,
    qual,
    renewal_payment,
    request_renewal,
    set_audit_rate,
)

B_CAPS_LINE = "caps.B = { per_cycle = 15, per_fiscal_year = 5 }"


def proposal(version: str, *, cpd_from: str | None = None, required: int = 30,
             b_per_year: int = 5, fee_from: str | None = None, fee: int = 10000) -> str:
    """The shipped policy with a second CPD rule and/or a second fee from the given dates."""
    body = default_text().replace('version = "spec"', f'version = "{version}"')
    if cpd_from:
        body = body.replace(f"{B_CAPS_LINE}\n", f"""{B_CAPS_LINE}
caps.C = {{ per_cycle = 15, per_fiscal_year = 5 }}
caps.D = {{ per_cycle = 15, per_fiscal_year = 5 }}

[[cpd.rules]]
from = {cpd_from}
required = {required}
max_hours_per_entry = 100
caps.A = {{ per_cycle = 30 }}
caps.B = {{ per_cycle = 15, per_fiscal_year = {b_per_year} }}
""", 1)
        # the first rule's C and D now follow the inserted block; drop the originals' copies
        body = body.replace(
            "caps.C = { per_cycle = 15, per_fiscal_year = 5 }\n"
            "caps.D = { per_cycle = 15, per_fiscal_year = 5 }\n\n[review_fee]",
            "caps.C = { per_cycle = 15, per_fiscal_year = 5 }\n"
            "caps.D = { per_cycle = 15, per_fiscal_year = 5 }\n\n[review_fee]")
    if fee_from:
        body = body.replace("before_tax = 10000                 # yen\n",
                            f"before_tax = 10000\n\n[[review_fee.rules]]\nfrom = {fee_from}\n"
                            f"before_tax = {fee}\n")
    return body


def write(tmp_path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)


def cli(db_url: str, *args: str):
    return _invoke(["--db", db_url, *args])


def adopt(db_url: str, path: str, on: str, actor: str = "board") -> dict:
    result = cli(db_url, "policy", "adopt", path, "--on", on, "--actor", actor)
    return {"exit": result.exit_code, **json.loads(result.stdout)}


def adopted(db_url: str) -> list[dict]:
    return json.loads(cli(db_url, "policy", "history", "--json").stdout)["adopted"]


def test_a_cap_change_for_cycles_from_fy2028_leaves_earlier_cycles_alone(db_url, tmp_path,
                                                                           monkeypatch):
    set_audit_rate(monkeypatch, 0)
    # H0001's cycle starts 2027-04-01, H0002's 2028-04-01 (pass issued in FY2027).
    apply_ok(db_url, certification_batch("H0001") + certification_batch(
        "H0002", pass_number="P27-000456", issued_on="2027-06-15", person=HANAKO,
        filed_on="2027-09-01", paid_on="2027-09-03", decided_on="2027-10-01"))
    path = write(tmp_path, "fy2028.toml", proposal("fy2028", cpd_from="2028-04-01",
                                                   required=40, b_per_year=10))
    assert adopt(db_url, path, "2027-12-01")["exit"] == 0
    apply_ok(db_url, [
        log_cpd("H0001", "b1", "B", "2028-05-10", "8", "2028-05-11"),
        log_cpd("H0002", "b1", "B", "2028-05-10", "8", "2028-05-11"),
    ])
    earlier = qual(db_url, "H0001", "CAP", "2028-06-01")["cpd"]
    later = qual(db_url, "H0002", "CAP", "2028-06-01")["cpd"]
    assert (earlier["counted"], earlier["required"], earlier["by_category"]["B"]) == ("5", "30",
                                                                                       "5")
    assert (later["counted"], later["required"], later["by_category"]["B"]) == ("8", "40", "8")
    shown = json.loads(cli(db_url, "policy", "show", "--on", "2028-04-01", "--json").stdout)
    assert shown["version"] == "fy2028" and shown["rules"]["cpd"]["required"] == "40"
    assert shown["rules"]["cpd"]["applies_by"] == "cycle_valid_from"


def test_status_known_at_a_moment_before_an_adoption_uses_the_rules_live_then(db_url,
                                                                           tmp_path):
    apply_ok(db_url, certification_batch("H0002", pass_number="P27-000456",
                                         issued_on="2027-06-15", person=HANAKO,
                                         filed_on="2027-09-01", paid_on="2027-09-03",
                                         decided_on="2027-10-01"))
    path = write(tmp_path, "fy2028.toml", proposal("fy2028", cpd_from="2028-04-01",
                                                   required=40))
    assert adopt(db_url, path, "2027-12-01")["exit"] == 0
    recorded = datetime.fromisoformat(adopted(db_url)[0]["recorded_at"])
    before = (recorded - timedelta(milliseconds=1)).isoformat()

    def required(*known_at: str) -> str:
        result = cli(db_url, "status", "H0002", "--as-of", "2028-06-01", "--json", *known_at)
        return json.loads(result.stdout)["qualifications"]["CAP"]["cpd"]["required"]

    assert (required("--known-at", before), required()) == ("30", "40")
    shown = json.loads(cli(db_url, "policy", "show", "--known-at", before, "--on",
                           "2028-06-01", "--json").stdout)
    assert (shown["version"], shown["rules"]["cpd"]["required"]) == ("spec", "30")


def test_the_policy_audit_rate_selects_by_acceptance_date(db_url, tmp_path, monkeypatch):
    monkeypatch.delenv("LIFECYCLE_AUDIT_RATE", raising=False)
    body = proposal("audit-all").replace(
        'rate = "0.10"\n\n[reminders]',
        'rate = "0.10"\n\n[[audit.rules]]\nfrom = 2030-01-01\nrate = "1"\n\n[reminders]')
    assert adopt(db_url, write(tmp_path, "audit.toml", body), "2027-01-01")["exit"] == 0
    apply_ok(db_url, certification_batch("H0001") + cpd_batch_30("H0001") + [
        request_renewal("H0001", "CAP", "2030-01-15"),
        renewal_payment("H0001", "2030-01-20", "R-H0001")])
    selected = [e for e in events(db_url, "H0001") if e["type"] == "CPDAuditSelected"]
    assert [(e["data"]["audit_rate"], e["data"]["policy_version"]) for e in selected] == [
        ("1", "audit-all")]
    assert qual(db_url, "H0001", "CAP", "2030-01-21")["status"] == "renewal_audit"


def test_a_fee_change_applies_by_payment_date(db_url, tmp_path):
    path = write(tmp_path, "fee.toml", proposal("fee-2027", fee_from="2027-04-01", fee=12000))
    assert adopt(db_url, path, "2027-01-15")["exit"] == 0
    before = certification_batch("H0001", filed_on="2027-03-01", paid_on="2027-03-31",
                                 decided_on="2027-05-01")
    after = certification_batch("H0002", pass_number="P26-000456", person=HANAKO,
                                filed_on="2027-03-01", paid_on="2027-04-01",
                                decided_on="2027-05-01")
    apply_ok(db_url, before[:3] + after[:3])
    paid_before = [e for e in events(db_url, "H0001") if e["type"] == "FeePaid"][0]["data"]
    paid_after = [e for e in events(db_url, "H0002") if e["type"] == "FeePaid"][0]["data"]
    assert paid_before["fee"]["due"] == 11000 and paid_before["fee"]["paid_in_full"]
    assert paid_after["fee"]["due"] == 13200 and paid_after["fee"]["shortfall"] == 2200
    assert paid_after["policy_version"] == "fee-2027"
    assert qual(db_url, "H0001", "CAP", "2027-04-02")["status"] == "accepted"
    assert qual(db_url, "H0002", "CAP", "2027-04-02")["status"] == "applied"


def test_a_fee_change_before_the_adoption_date_is_refused_and_nothing_recorded(db_url,
                                                                               tmp_path):
    path = write(tmp_path, "fee.toml", proposal("fee-2026", fee_from="2026-01-01", fee=12000))
    refused = adopt(db_url, path, "2027-01-15")
    assert refused["exit"] == 1 and refused["error"]["code"] == "INVALID_INPUT"
    assert "2026-01-01" in refused["error"]["message"]
    assert adopted(db_url) == []


def test_a_bad_policy_file_is_refused_naming_its_line_and_nothing_is_applied(db_url, tmp_path):
    apply_ok(db_url, certification_batch("H0001") + cpd_batch_30("H0001"))
    status_before = holder_status(db_url, "H0001", "2028-01-01")
    lines = proposal("bad").splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("required = 30"))
    lines[at] = 'required = "thirty"'
    path = write(tmp_path, "bad.toml", "\n".join(lines) + "\n")
    for args in (["policy", "check", path], ["policy", "adopt", path, "--actor", "board"]):
        result = cli(db_url, *args)
        error = json.loads(result.stdout)["error"]
        assert result.exit_code == 1 and error["code"] == "INVALID_INPUT"
        assert f"line {at + 1}, cpd.rules[1].required" in error["message"]
    assert adopted(db_url) == []
    assert holder_status(db_url, "H0001", "2028-01-01") == status_before


def renewed_cast(db_url):
    """H0001 renews with exactly 30 points, H0002 with 40, in the 2030 window."""
    apply_ok(db_url, certification_batch("H0001") + cpd_batch_30("H0001")
             + certification_batch("H0002", pass_number="P26-000456", person=HANAKO)
             + cpd_batch_40("H0002"))
    for holder, person in (("H0001", None), ("H0002", HANAKO)):
        number = "CAP-2027-00001" if holder == "H0001" else "CAP-2027-00002"
        extra = {} if person is None else {"person": person}
        apply_ok(db_url, [
            request_renewal(holder, "CAP", "2030-01-15"),
            renewal_payment(holder, "2030-01-20", f"R-{holder}", certification_number=number,
                            **extra),
            decide_renewal(holder, "CAP", "2030-03-01"),
        ])


def test_what_if_names_whom_a_higher_requirement_would_lapse(db_url, tmp_path, monkeypatch):
    set_audit_rate(monkeypatch, 0)
    renewed_cast(db_url)
    path = write(tmp_path, "p.toml", proposal("req-35", cpd_from="2027-04-01", required=35))
    result = cli(db_url, "what-if", "--policy", path, "--as-of", "2030-04-02", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["holders"], report["differing"]) == (2, 2)
    rows = {r["holder"]: r for r in report["rows"]}
    assert (rows["H0001"]["now"], rows["H0001"]["then"]) == ("certified", "lapsed")
    assert "30 of 35" in rows["H0001"]["why"]
    # H0002 renewed with 40: still certified, its new cycle needing 35
    assert (rows["H0002"]["then"], rows["H0002"]["required_then"]) == ("certified", "35")
    counts = {(c["now"], c["then"]): c["holders"] for c in report["counts"]}
    assert counts == {("certified", "lapsed"): 1, ("certified", "certified"): 1}
    rows = list(csv.reader(io.StringIO(cli(db_url, "what-if", "--policy", path, "--as-of",
                                           "2030-04-02", "--csv").stdout)))
    assert rows[0][:4] == ["holder", "qualification", "now", "then"] and len(rows) == 3
    table = cli(db_url, "what-if", "--policy", path, "--as-of", "2030-04-02").stdout
    assert "certified             lapsed" in table
    shared = json.loads(cli(db_url, "what-if", "--policy", path, "--as-of", "2030-04-02",
                            "--jobs", "2", "--json").stdout)
    assert shared["counts"] == report["counts"]
    assert sorted(r["holder"] for r in shared["rows"]) == ["H0001", "H0002"]
    # nothing was written: the status stands
    assert qual(db_url, "H0001", "CAP", "2030-04-02")["status"] == "certified"
    assert adopted(db_url) == []


def test_a_store_written_before_policies_loads_and_folds_the_same(db_url, monkeypatch):
    from lifecycle import bootstrap
    from lifecycle.settings import Settings

    set_audit_rate(monkeypatch, 0)
    renewed_cast(db_url)
    before = {h: holder_status(db_url, h, "2030-04-02") for h in ("H0001", "H0002")}
    history_before = events(db_url, "H0001")
    settings = Settings(database_url=db_url, snapshot_interval=0)
    app = bootstrap.open_application(settings)
    table = app.recorder.events_table_name
    if settings.is_postgres and "." not in table:
        table = f'"{settings.schema}".{table}'
    app.close()
    engine = bootstrap.open_read_engine(settings)
    marker = ',"policy_version":null,"class_version":2}'
    with engine.begin() as conn:
        rows = conn.execute(text(f"SELECT originator_id, originator_version, state FROM {table}"))
        old = [(r[0], r[1], bytes(r[2]).replace(marker.encode(), b"}")) for r in rows
               if marker.encode() in bytes(r[2])]
        for originator_id, version, state in old:
            conn.execute(text(f"UPDATE {table} SET state = :s WHERE originator_id = :i "
                              "AND originator_version = :v"),
                         {"s": state, "i": originator_id, "v": version})
    engine.dispose()
    assert len(old) >= 4  # FeePaid, Certified, Renewed of each holder at least
    assert {h: holder_status(db_url, h, "2030-04-02") for h in before} == before
    assert events(db_url, "H0001") == history_before


def _shortfall(db_url: str, as_of: str) -> dict:
    result = cli(db_url, "query", "cpd-shortfall", "--as-of", as_of, "--json")
    assert result.exit_code == 0, result.output
    return {i["holder"]: i for i in json.loads(result.stdout)["items"]}


def test_an_adoption_brings_the_read_models_figures_to_its_rules_without_a_rebuild(
        db_url, tmp_path, monkeypatch):
    """Rows derived before an adoption take the new requirement at the next catch-up: the
    CPD shortfall list and the renewal letter say 40 where the board now requires 40."""
    set_audit_rate(monkeypatch, 0)
    apply_ok(db_url, certification_batch("H0001") + cpd_batch_30("H0001")
             + certification_batch("H0002", pass_number="P26-000456", person=HANAKO)
             + cpd_batch_40("H0002"))
    assert _shortfall(db_url, "2030-01-10") == {}  # 30 and 40 points: both enough
    path = write(tmp_path, "r35.toml", proposal("r35", cpd_from="2027-04-01", required=35))
    assert adopt(db_url, path, "2027-03-01")["exit"] == 0
    lacking = _shortfall(db_url, "2030-01-10")
    assert list(lacking) == ["H0001"]
    assert (lacking["H0001"]["lacking"], lacking["H0001"]["cpd"]["required"]) == ("5", "35")
    listed = json.loads(cli(db_url, "query", "credentials", "--as-of", "2030-01-10",
                            "--json").stdout)["items"]
    assert {i["holder"]: i["cpd"]["required"] for i in listed} == {"H0001": "35",
                                                                    "H0002": "35"}
    assert qual(db_url, "H0001", "CAP", "2030-01-10")["cpd"]["required"] == "35"
