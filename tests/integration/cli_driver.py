"""Drive the `lifecycle` command line (SPEC §8) in-process, and build commands for scenarios.

Everything here is written from SPEC.md alone: the commands, result shapes and status keys are the
external contract, so the helpers also check those shapes on every call.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from click.testing import CliRunner

EVENT_KEYS = {"type", "business_date", "recorded_at", "actor", "version", "data"}
QUALIFICATION_KEYS = {
    "status",
    "certification_number",
    "valid_from",
    "valid_until",
    "renewal_window",
    "pass_report_valid_until",
    "cpd",
}
CPD_KEYS = {"counted", "logged", "required", "by_category"}
STATUSES = {
    "passed",
    "pass_expired",
    "applied",
    "accepted",
    "rejected",
    "certified",
    "renewal_window_open",
    "renewal_requested",
    "renewal_accepted",
    "renewal_audit",
    "renewal_under_review",
    "lapsed",
    "qualified",
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DECIMAL_STRING = re.compile(r"^\d+(\.\d+)?$")


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class Person:
    name: str
    kana: str
    kana_halfwidth: str  # as a bank statement prints it (small kana folded)
    email: str

    def secrets(self) -> list[str]:
        """Strings that must never appear in an error message."""
        parts = [self.name, self.kana, self.kana_halfwidth, self.email]
        parts += self.name.split()
        parts += [self.email.split("@")[0]]
        return [p for p in parts if p]


TARO = Person("今田 太郎", "コンケンタロウ", "ｺﾝｹﾝﾀﾛｳ", "taro.konken@example.jp")
HANAKO = Person("鈴木 花子", "スズキハナコ", "ｽｽﾞｷﾊﾅｺ", "hanako.suzuki@example.jp")
ICHIRO = Person("佐藤 一郎", "サトウイチロウ", "ｻﾄｳｲﾁﾛｳ", "ichiro.sato@example.jp")
KYOKO = Person("一本 京子", "イッポンキョウコ", "ｲﾂﾎﾟﾝｷﾖｳｺ", "kyoko.ippon@example.jp")
JIRO = Person("山田 次郎", "ヤマダジロウ", "ﾔﾏﾀﾞｼﾞﾛｳ", "jiro.yamada@example.jp")
PEOPLE = [TARO, HANAKO, ICHIRO, KYOKO, JIRO]
SECRETS = [s for p in PEOPLE for s in p.secrets()]


def last4(number: str) -> str:
    """The last 4 digits of a pass or certification number's digits (P26-000123 -> 0123)."""
    return re.sub(r"\D", "", number)[-4:]


def payer(number: str, person: Person = TARO) -> str:
    """The payer name a bank prints: last 4 digits + half-width katakana name."""
    return last4(number) + person.kana_halfwidth


# --------------------------------------------------------------------------- the CLI


def _main():
    from lifecycle.cli import main

    return main


class _NamedStdin(io.BytesIO):
    """Bytes on stdin that, like a real process's stdin, carry the name `<stdin>`."""

    name = "<stdin>"


def _invoke(args: list[str], input: str | None = None, plain_input: bool = False):
    """Invoke the click group in-process.

    By default stdin is a stream named `<stdin>`, as in a real process; `plain_input=True` passes
    the text the way `CliRunner.invoke(input="...")` usually does (an unnamed BytesIO).
    """
    runner = CliRunner()
    stream = input
    if input is not None and not plain_input:
        stream = _NamedStdin(input.encode("utf-8"))
    result = runner.invoke(_main(), args, input=stream, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def apply_lines(db_url: str, lines: list[str], plain_input: bool = False) -> tuple[int, list[dict]]:
    """`lifecycle --db URL apply -` with raw lines on stdin; one parsed result per line."""
    text = "".join(line + "\n" for line in lines)
    result = _invoke(["--db", db_url, "apply", "-"], input=text, plain_input=plain_input)
    results = _json_lines(result.stdout)
    assert len(results) == len(lines), (
        f"apply printed {len(results)} results for {len(lines)} lines:\n{result.stdout}"
    )
    for r in results:
        check_result_shape(r)
    return result.exit_code, results


def apply(db_url: str, commands: list[dict]) -> tuple[int, list[dict]]:
    """Run a batch of commands through `apply -`; returns (exit code, results)."""
    return apply_lines(db_url, [json.dumps(c, ensure_ascii=False) for c in commands])


def apply_ok(db_url: str, commands: list[dict]) -> list[dict]:
    """Run a batch that must succeed line by line; returns the results."""
    code, results = apply(db_url, commands)
    failures = [(c, r) for c, r in zip(commands, results, strict=True) if not r["ok"]]
    assert not failures, f"unexpected failures: {failures}"
    assert code == 0, f"all lines ok but exit code {code}"
    return results


def apply_one(db_url: str, command: dict) -> dict:
    """Run a single command; returns its result (exit code checked against ok)."""
    code, results = apply(db_url, [command])
    result = results[0]
    assert (code == 0) == result["ok"], f"exit code {code} for result {result}"
    return result


def status(db_url: str, holder: str, as_of: str | None = None) -> tuple[int, dict]:
    args = ["--db", db_url, "status", holder, "--json"]
    if as_of is not None:
        args += ["--as-of", as_of]
    result = _invoke(args)
    return result.exit_code, json.loads(result.stdout)


def history(db_url: str, holder: str) -> tuple[int, dict]:
    result = _invoke(["--db", db_url, "history", holder, "--json"])
    return result.exit_code, json.loads(result.stdout)


def sweep_cli(db_url: str, as_of: str) -> int:
    """`lifecycle --db URL sweep --as-of DATE`; returns the exit code."""
    return _invoke(["--db", db_url, "sweep", "--as-of", as_of]).exit_code


def status_text(db_url: str, holder: str, as_of: str | None = None):
    args = ["--db", db_url, "status", holder]
    if as_of is not None:
        args += ["--as-of", as_of]
    return _invoke(args)


# --------------------------------------------------------------------------- checks


def check_event_shape(event: dict) -> None:
    # A sweep's events span holders, so each also names its holder; no other event does.
    if "holder" in event:
        assert isinstance(event["holder"], str) and event["holder"], event
        assert set(event) == EVENT_KEYS | {"holder"}, f"event keys {sorted(event)}"
    else:
        assert set(event) == EVENT_KEYS, f"event keys {sorted(event)}"
    assert isinstance(event["type"], str) and event["type"]
    assert ISO_DATE.match(event["business_date"]), event["business_date"]
    recorded = datetime.fromisoformat(event["recorded_at"])
    assert recorded.tzinfo is not None, f"recorded_at without offset: {event['recorded_at']}"
    assert isinstance(event["actor"], str) and event["actor"], event
    assert isinstance(event["version"], int) and not isinstance(event["version"], bool)
    assert isinstance(event["data"], dict)


def check_result_shape(result: dict) -> None:
    assert isinstance(result, dict), result
    assert isinstance(result.get("ok"), bool), result
    if result["ok"]:
        assert set(result) == {"ok", "events"}, f"ok result keys {sorted(result)}"
        assert isinstance(result["events"], list)
        for event in result["events"]:
            check_event_shape(event)
    else:
        assert set(result) == {"ok", "error"}, f"error result keys {sorted(result)}"
        error = result["error"]
        assert set(error) == {"code", "message"}, f"error keys {sorted(error)}"
        assert isinstance(error["code"], str) and isinstance(error["message"], str)
        leaked = [s for s in SECRETS if s in error["message"]]
        assert not leaked, f"personal data {leaked} in error message {error['message']!r}"


def ok(result: dict) -> list[dict]:
    """Assert a command succeeded; returns its events."""
    assert result["ok"] is True, f"expected ok, got {result}"
    return result["events"]


def types(result: dict) -> list[str]:
    return [e["type"] for e in ok(result)]


def err(result: dict, code: str) -> str:
    """Assert a command failed with `code`; returns the message."""
    assert result["ok"] is False, f"expected {code}, got {result}"
    assert result["error"]["code"] == code, f"expected {code}, got {result['error']}"
    return result["error"]["message"]


def check_status_shape(doc: dict) -> None:
    assert set(doc) == {"holder", "name", "name_kana", "qualifications"}, sorted(doc)
    for code, q in doc["qualifications"].items():
        assert set(q) == QUALIFICATION_KEYS, f"{code}: keys {sorted(q)}"
        assert q["status"] in STATUSES, f"{code}: status {q['status']!r}"
        for key in ("valid_from", "valid_until", "pass_report_valid_until"):
            assert q[key] is None or ISO_DATE.match(q[key]), f"{code}.{key}={q[key]!r}"
        window = q["renewal_window"]
        if window is not None:
            assert set(window) == {"opens_on", "closes_on"}, f"{code}: window {window}"
        cpd = q["cpd"]
        if cpd is not None:
            assert set(cpd) == CPD_KEYS, f"{code}: cpd keys {sorted(cpd)}"
            assert set(cpd["by_category"]) == {"A", "B", "C", "D"}, cpd
            figures = [cpd["counted"], cpd["logged"], cpd["required"], *cpd["by_category"].values()]
            for figure in figures:
                assert isinstance(figure, str) and DECIMAL_STRING.match(figure), cpd


def holder_status(db_url: str, holder: str, as_of: str | None = None) -> dict:
    code, doc = status(db_url, holder, as_of)
    assert code == 0, f"status exit {code}: {doc}"
    check_status_shape(doc)
    assert doc["holder"] == holder
    return doc


def qual(db_url: str, holder: str, qualification: str, as_of: str | None = None) -> dict:
    """The status entry of one qualification as of a date."""
    doc = holder_status(db_url, holder, as_of)
    assert qualification in doc["qualifications"], f"{qualification} missing: {doc}"
    return doc["qualifications"][qualification]


def events(db_url: str, holder: str) -> list[dict]:
    code, doc = history(db_url, holder)
    assert code == 0, f"history exit {code}: {doc}"
    assert set(doc) == {"holder", "events"}, sorted(doc)
    assert doc["holder"] == holder
    for event in doc["events"]:
        check_event_shape(event)
    return doc["events"]


def count(db_url: str, holder: str) -> int:
    return len(events(db_url, holder))


def cpd_figures(q: dict) -> tuple[str, str, dict]:
    assert q["cpd"] is not None, q
    return q["cpd"]["counted"], q["cpd"]["logged"], q["cpd"]["by_category"]


def dec(text: str) -> Decimal:
    return Decimal(text)


def set_audit_rate(monkeypatch, rate: float | str, seed: str | None = None) -> None:
    monkeypatch.setenv("LIFECYCLE_AUDIT_RATE", str(rate))
    if seed is None:
        monkeypatch.delenv("LIFECYCLE_AUDIT_SEED", raising=False)
    else:
        monkeypatch.setenv("LIFECYCLE_AUDIT_SEED", seed)


# --------------------------------------------------------------------------- commands


SUPERVISOR_SIGNED = "2013-12-20"


def entry(organization, start, end, fields, supervisor_org=None, signed_on=SUPERVISOR_SIGNED):
    """One experience entry (months inclusive); supervisor from the same organization by default."""
    return {
        "organization": organization,
        "from": start,
        "to": end,
        "fields": list(fields),
        "supervisor": {
            "name": "上司 監督",
            "organization": supervisor_org or organization,
            "signed_on": signed_on,
        },
    }


def cap_experience() -> list[dict]:
    """84 months, fields {6, 1}, 60 months in field 6: eligible for CAP (not OMP)."""
    return [
        entry("Acme Contact", "2009-01", "2013-12", [6]),
        entry("Beta Service", "2007-01", "2008-12", [1]),
    ]


def omp_experience() -> list[dict]:
    """SPEC §9 example 4: 36 months field 4 + 12 months field 1 (+ 12 months training)."""
    return [
        entry("Acme Contact", "2010-01", "2012-12", [4]),
        entry("Beta Service", "2013-01", "2013-12", [1]),
    ]


def omp_substitutions() -> list[dict]:
    return [{"kind": "training", "name": "CC研修", "months": 12}]


def exam_pass(holder, qualification, pass_number, issued_on, person: Person | None = TARO):
    command = {
        "type": "record_exam_pass",
        "holder": holder,
        "qualification": qualification,
        "pass_number": pass_number,
        "issued_on": issued_on,
    }
    if person is not None:
        command.update(name=person.name, name_kana=person.kana, email=person.email)
    return command


def application(
    holder,
    qualification,
    on,
    experience=None,
    substitutions=None,
    pledge="default",
    copy=True,
):
    if experience is None:
        experience = omp_experience() if qualification == "OMP" else cap_experience()
    if substitutions is None:
        substitutions = omp_substitutions() if qualification == "OMP" else []
    command = {
        "type": "file_application",
        "holder": holder,
        "qualification": qualification,
        "on": on,
        "experience": experience,
        "substitutions": substitutions,
        "pass_report_copy": copy,
    }
    if pledge == "default":
        command["ethics_pledge_signed_on"] = on
    elif pledge is not None:
        command["ethics_pledge_signed_on"] = pledge
    return command


def payment(holder, qualification, amount, paid_on, payer_name, ref, purpose="certification"):
    return {
        "type": "record_payment",
        "holder": holder,
        "purpose": purpose,
        "qualification": qualification,
        "amount": amount,
        "paid_on": paid_on,
        "payer_name": payer_name,
        "bank_reference": ref,
    }


def allocation(
    holder, qualification, amount, paid_on, ref, transfer_amount, purpose="certification"
):
    command = payment(holder, qualification, amount, paid_on, "ｶ)ｺﾝｹﾝｼﾖｳｼﾞ", ref, purpose)
    command.update(allocated_by="clerk-07", transfer_amount=transfer_amount)
    return command


def decide_application(holder, qualification, on, decision="certify", reasons=None):
    command = {
        "type": "decide_application",
        "holder": holder,
        "qualification": qualification,
        "on": on,
        "decision": decision,
    }
    if decision == "reject":
        command["reasons"] = reasons or ["審査の結果、基準を満たしていません"]
    return command


def log_cpd(holder, entry_id, category, activity_on, hours, on, field=4):
    command = {
        "type": "log_cpd",
        "holder": holder,
        "entry_id": entry_id,
        "category": category,
        "activity_on": activity_on,
        "hours": hours,
        "title": "コンタクトセンター運営講座",
        "provider": "協会",
        "on": on,
    }
    if field is not None:
        command["field"] = field
    return command


def withdraw_cpd(holder, entry_id, on, reason="二重登録"):
    return {
        "type": "withdraw_cpd",
        "holder": holder,
        "entry_id": entry_id,
        "reason": reason,
        "on": on,
    }


def request_renewal(holder, qualification, on, pledge="default"):
    command = {
        "type": "request_renewal",
        "holder": holder,
        "qualification": qualification,
        "on": on,
    }
    if pledge == "default":
        command["ethics_pledge_signed_on"] = on
    elif pledge is not None:
        command["ethics_pledge_signed_on"] = pledge
    return command


def complete_audit(holder, qualification, on, disallowed=()):
    return {
        "type": "complete_audit",
        "holder": holder,
        "qualification": qualification,
        "on": on,
        "disallowed_entries": list(disallowed),
    }


def decide_renewal(holder, qualification, on, decision="renew", reasons=None):
    command = {
        "type": "decide_renewal",
        "holder": holder,
        "qualification": qualification,
        "on": on,
        "decision": decision,
    }
    if decision == "reject":
        command["reasons"] = reasons or ["継続教育ポイント不足"]
    return command


def sweep(as_of):
    return {"type": "sweep", "as_of": as_of}


# --------------------------------------------------------------------------- whole steps


def certification_batch(
    holder="H0001",
    qualification="CAP",
    pass_number="P26-000123",
    issued_on="2026-06-15",
    person=TARO,
    filed_on="2026-09-01",
    paid_on="2026-09-03",
    decided_on="2026-10-01",
    ref=None,
    amount=11000,
):
    """SPEC §9 example 2 by default: pass 2026-06-15 -> certified, period 2027-04-01..2030-03-31."""
    return [
        exam_pass(holder, qualification, pass_number, issued_on, person),
        application(holder, qualification, filed_on),
        payment(
            holder,
            qualification,
            amount,
            paid_on,
            payer(pass_number, person),
            ref or f"B-{holder}-{qualification}-cert",
        ),
        decide_application(holder, qualification, decided_on),
    ]


def cpd_batch_40(holder, prefix="e"):
    """Six entries in the 2027-04-01..2030-03-31 cycle: A 10+10, B 5, C 5, D 5 (FY27), D 5 (FY28).

    counted = A 20 + B 5 + C 5 + D 10 = 40; logged 40. Disallowing `{prefix}-a2` leaves 30.
    """
    return [
        log_cpd(holder, f"{prefix}-a1", "A", "2027-05-10", "10", "2027-05-11", field=None),
        log_cpd(holder, f"{prefix}-a2", "A", "2027-06-10", "10", "2027-06-11", field=None),
        log_cpd(holder, f"{prefix}-b1", "B", "2027-07-10", "5", "2027-07-11", field=4),
        log_cpd(holder, f"{prefix}-c1", "C", "2027-08-10", "5", "2027-08-11", field=5),
        log_cpd(holder, f"{prefix}-d1", "D", "2027-09-10", "5", "2027-09-11", field=6),
        log_cpd(holder, f"{prefix}-d2", "D", "2028-09-10", "5", "2028-09-11", field=6),
    ]


def cpd_batch_30(holder, prefix="e"):
    """Counted exactly 30 in the 2027-04-01..2030-03-31 cycle: A 20 (FY2027) + B 5 + C 5."""
    return [
        log_cpd(holder, f"{prefix}-a1", "A", "2027-05-10", "20", "2027-05-11", field=None),
        log_cpd(holder, f"{prefix}-b1", "B", "2028-05-10", "5", "2028-05-11", field=4),
        log_cpd(holder, f"{prefix}-c1", "C", "2029-05-10", "5", "2029-05-11", field=7),
    ]


CERT_NUMBER = "CAP-2027-00001"


def renewal_payment(
    holder,
    paid_on,
    ref,
    certification_number=CERT_NUMBER,
    person=TARO,
    amount=11000,
    qualification="CAP",
):
    return payment(
        holder, qualification, amount, paid_on, payer(certification_number, person), ref, "renewal"
    )
