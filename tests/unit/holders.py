"""Builders for Holder scenarios in unit tests: the aggregate alone, no store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from aggregates.eligibility import ExperienceEntry, Substitution, Supervisor, YearMonth
from aggregates.holder import AuditSettings, Holder
from aggregates.status import holder_status

D = date.fromisoformat
NO_AUDIT = AuditSettings(Decimal(0), "")
ALWAYS_AUDIT = AuditSettings(Decimal(1), "")


def entry(org: str, start: str, end: str, fields: list[int], signed: str = "2026-08-01"):
    return ExperienceEntry(
        organization=org, start=YearMonth.parse(start), end=YearMonth.parse(end),
        fields=frozenset(fields), supervisor=Supervisor("S", org, D(signed)),
    )


GOOD_CAP_EXPERIENCE = [
    entry("ACME", "2018-01", "2020-12", [6]),
    entry("ACME", "2021-01", "2022-12", [1]),
]


def new_holder(issued_on: str = "2026-06-15", qualification: str = "CAP",
               pass_number: str = "P26-000123") -> Holder:
    return Holder.register(
        "H0001", name="今田 太郎", name_kana="コンケンタロウ", email=None,
        qualification=qualification, pass_number=pass_number, issued_on=D(issued_on),
        actor="test",
    )


def apply_and_pay(holder: Holder, on: str, *, qualification: str = "CAP", amount: int = 11000,
                  pass_number: str = "P26-000123", reference: str = "B1") -> None:
    holder.file_application(
        qualification=qualification, on=D(on), experience=GOOD_CAP_EXPERIENCE,
        substitutions=[Substitution("training", "T", 12)], ethics_pledge_signed_on=D(on),
        pass_report_copy=True, actor="test",
    )
    pay(holder, on, amount=amount, number=pass_number, reference=reference,
        qualification=qualification, purpose="certification")


def pay(holder: Holder, paid_on: str, *, amount: int = 11000, number: str, reference: str,
        qualification: str = "CAP", purpose: str = "renewal",
        audit: AuditSettings = NO_AUDIT) -> None:
    holder.record_payment(
        qualification=qualification, purpose=purpose, amount=amount, paid_on=D(paid_on),
        payer_name=f"{number[-4:]}ｺﾝｹﾝﾀﾛｳ", bank_reference=reference, allocated_by=None,
        transfer_amount=None, audit=audit, actor="test",
    )


def certify(holder: Holder, on: str, qualification: str = "CAP") -> None:
    holder.decide_application(
        qualification=qualification, on=D(on), decision="certify", reasons=[],
        allot_number=lambda q, fy: f"{q}-{fy}-00001", actor="test",
    )


def certified_holder() -> Holder:
    """CAP-2027-00001, period 2027-04-01 … 2030-03-31 (SPEC §9 example 2)."""
    holder = new_holder()
    apply_and_pay(holder, "2026-09-01")
    certify(holder, "2026-10-01")
    return holder


def log_points(holder: Holder, hours_a: int = 30, on: str = "2029-12-01") -> None:
    holder.log_cpd(entry_id=f"a-{on}", category="A", field=None, activity_on=D(on),
                   hours=Decimal(hours_a), title="course", provider="body", on=D(on),
                   actor="test")


def request(holder: Holder, on: str, audit: AuditSettings = NO_AUDIT) -> None:
    holder.request_renewal(qualification="CAP", on=D(on), ethics_pledge_signed_on=D(on),
                           audit=audit, actor="test")


def status_of(holder: Holder, on: str, qualification: str = "CAP") -> dict:
    return holder_status(holder.state, D(on))["qualifications"][qualification]
