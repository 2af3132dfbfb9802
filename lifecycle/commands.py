"""Commands of SPEC §8: shape and type checks first (INVALID_INPUT), before any lookup.

`parse_command` turns one JSON object into a `Command`: its type, the holder number and the
keyword arguments of the matching use case, with dates, decimals and entries typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from aggregates import cpd, eligibility, qualifications
from aggregates.errors import invalid

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PURPOSES = ("certification", "renewal")
DECISIONS = {"decide_application": ("certify", "reject"), "decide_renewal": ("renew", "reject")}


@dataclass(frozen=True)
class Command:
    type: str
    holder: str | None
    args: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None


EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)  # periods must stay computable


def parse_date(value: object, what: str) -> date:
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise invalid(f"{what} must be a date YYYY-MM-DD, not {value!r}")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise invalid(f"{what} is not a calendar date: {value!r}") from None
    if not EARLIEST <= day <= LATEST:
        raise invalid(f"{what} must be between {EARLIEST} and {LATEST}, not {value}")
    return day


class Fields:
    """Typed access to a command's fields, each failure an INVALID_INPUT naming the field."""

    def __init__(self, obj: dict, today: date):
        self.obj = obj
        self.today = today

    def _get(self, key: str, required: bool) -> Any:
        value = self.obj.get(key)
        if value is None and required:
            raise invalid(f"{self.obj.get('type')}: field {key!r} is required")
        return value

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise invalid(f"field {key!r} must be a non-empty string")
        return value.strip()

    def day(self, key: str, *, required: bool = True) -> date | None:
        value = self._get(key, required)
        return None if value is None else parse_date(value, f"field {key!r}")

    def on(self) -> date:
        """The business date; the CLI's default is today in Asia/Tokyo."""
        return self.day("on", required=False) or self.today

    def amount(self, key: str, *, required: bool = True) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise invalid(f"field {key!r} must be a positive whole number of yen")
        return value

    def choice(self, key: str, options: tuple[str, ...]) -> str:
        value = self._get(key, True)
        if value not in options:
            raise invalid(f"field {key!r} must be one of {', '.join(options)}, not {value!r}")
        return value

    def qualification(self, *, professional: bool) -> str:
        value = self._get("qualification", True)
        if not isinstance(value, str) or not qualifications.is_known(value):
            known = ", ".join(qualifications.ALL)
            raise invalid(f"unknown qualification {value!r}: one of {known}")
        if professional and not qualifications.is_professional(value):
            raise invalid(f"{value} is an operation qualification: it has no certification")
        return value

    def strings(self, key: str) -> list[str]:
        value = self.obj.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise invalid(f"field {key!r} must be a list of strings")
        return value

    def objects(self, key: str) -> list:
        value = self.obj.get(key) or []
        if not isinstance(value, list):
            raise invalid(f"field {key!r} must be a list")
        return value


def parse_command(obj: object, today: date) -> Command:
    if not isinstance(obj, dict):
        raise invalid("a command must be a JSON object")
    kind = obj.get("type")
    parser = PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise invalid(f"unknown command type {kind!r}: one of {', '.join(PARSERS)}")
    f = Fields(obj, today)
    holder = None if kind in WITHOUT_HOLDER else f.text("holder")
    actor = f.text("actor", required=False)
    return Command(kind, holder, parser(f), actor)


def _exam_pass(f: Fields) -> dict:
    return {
        "qualification": f.qualification(professional=False),
        "pass_number": f.text("pass_number"),
        "issued_on": f.day("issued_on"),
        "name": f.text("name", required=False),
        "name_kana": f.text("name_kana", required=False),
        "email": f.text("email", required=False),
    }


def _application(f: Fields) -> dict:
    on = f.on()
    try:
        experience = [eligibility.ExperienceEntry.from_dict(e) for e in f.objects("experience")]
        substitutions = [eligibility.Substitution.from_dict(s) for s in f.objects("substitutions")]
    except ValueError as error:
        raise invalid(str(error)) from None
    late = eligibility.entries_ending_after(experience, on)
    if late:
        raise invalid(
            f"experience entries {', '.join(str(i) for i in late)} end after the filing month "
            f"{on:%Y-%m}"
        )
    copy = f.obj.get("pass_report_copy", False)
    if not isinstance(copy, bool):
        raise invalid("field 'pass_report_copy' must be true or false")
    return {
        "qualification": f.qualification(professional=True),
        "on": on,
        "experience": experience,
        "substitutions": substitutions,
        "ethics_pledge_signed_on": f.day("ethics_pledge_signed_on", required=False),
        "pass_report_copy": copy,
    }


def _payment(f: Fields) -> dict:
    allocated_by = f.text("allocated_by", required=False)
    args = {
        "purpose": f.choice("purpose", PURPOSES),
        "qualification": f.qualification(professional=True),
        "amount": f.amount("amount"),
        "paid_on": f.day("paid_on"),
        "payer_name": f.text("payer_name", required=allocated_by is None),
        "bank_reference": f.text("bank_reference"),
        "allocated_by": allocated_by,
        "transfer_amount": f.amount("transfer_amount", required=allocated_by is not None),
    }
    if allocated_by is None and args["transfer_amount"] is not None:
        raise invalid("'transfer_amount' is only for a company transfer with 'allocated_by'")
    return args


def _decision(f: Fields) -> dict:
    return {
        "qualification": f.qualification(professional=True),
        "on": f.on(),
        "decision": f.choice("decision", DECISIONS[f.obj["type"]]),
        "reasons": f.strings("reasons"),
    }


def _log_cpd(f: Fields) -> dict:
    category = f.choice("category", cpd.CATEGORIES)
    field_no = f.obj.get("field")
    if isinstance(field_no, str) and field_no.isdigit():
        field_no = int(field_no)
    if field_no is None and category in cpd.CATEGORIES_NEEDING_FIELD:
        raise invalid(f"field 'field' (1-7) is required for category {category}")
    if field_no is not None and (
        not isinstance(field_no, int) or isinstance(field_no, bool) or field_no not in range(1, 8)
    ):
        raise invalid(f"field 'field' must be a field of work 1-7, not {field_no!r}")
    try:
        hours = cpd.parse_hours(f._get("hours", True))
    except ValueError as error:
        raise invalid(str(error)) from None
    return {
        "entry_id": f.text("entry_id"),
        "category": category,
        "field": field_no,
        "activity_on": f.day("activity_on"),
        "hours": hours,
        "title": f.text("title"),
        "provider": f.text("provider"),
        "on": f.on(),
    }


def _withdraw_cpd(f: Fields) -> dict:
    return {"entry_id": f.text("entry_id"), "reason": f.text("reason", required=False),
            "on": f.on()}


def _request_renewal(f: Fields) -> dict:
    on = f.on()
    pledge = f.day("ethics_pledge_signed_on", required=False)
    if pledge is None:
        raise invalid("a renewal request needs the ethics pledge signed again "
                      "('ethics_pledge_signed_on')")
    if pledge > on:
        raise invalid(f"the ethics pledge is dated {pledge}, after the request ({on})")
    return {"qualification": f.qualification(professional=True), "on": on,
            "ethics_pledge_signed_on": pledge}


def _complete_audit(f: Fields) -> dict:
    return {"qualification": f.qualification(professional=True), "on": f.on(),
            "disallowed_entries": f.strings("disallowed_entries")}


def _transfer(f: Fields) -> dict:
    return {"bank_reference": f.text("bank_reference"), "paid_on": f.day("paid_on"),
            "amount": f.amount("amount"), "payer_name": f.text("payer_name")}


def _sweep(f: Fields) -> dict:
    return {"as_of": f.day("as_of", required=False) or f.on()}


# -- SPEC §11 disciplinary decisions: suspend / reinstate (a certification) and revoke
# (any held qualification, operation ones too); the reason is required.

def _discipline(f: Fields) -> dict:
    revoking = f.obj["type"] == "revoke_certification"
    return {"qualification": f.qualification(professional=not revoking), "on": f.on(),
            "reason": f.text("reason")}


DISCIPLINE_PARSERS = {
    "suspend_certification": _discipline,
    "reinstate_certification": _discipline,
    "revoke_certification": _discipline,
}


PARSERS = {
    "record_exam_pass": _exam_pass,
    "file_application": _application,
    "record_payment": _payment,
    "decide_application": _decision,
    "log_cpd": _log_cpd,
    "withdraw_cpd": _withdraw_cpd,
    "request_renewal": _request_renewal,
    "complete_audit": _complete_audit,
    "decide_renewal": _decision,
    "sweep": _sweep,
    # Not in SPEC §8: a bank-statement row, matched to the holder whose payer name it carries.
    "record_transfer": _transfer,
    **DISCIPLINE_PARSERS,
}
WITHOUT_HOLDER = ("sweep", "record_transfer")
