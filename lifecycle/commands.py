"""Commands of SPEC §8 as typed values: one frozen dataclass per command type.

`parse_command` turns one JSON object into its command: shape and type checks first
(INVALID_INPUT naming the field), before any lookup. Each class lists its fields; its
`parse` holds every check of that command; `args()` gives the keyword arguments of the
matching use case. `COMMANDS` maps each `type` to its class (the API's schema comes from it).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from aggregates import cpd, eligibility, qualifications
from aggregates.errors import invalid
from lifecycle import storable

ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DIGITS = re.compile(r"[0-9]{1,12}")
PURPOSES = ("certification", "renewal")
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

    def raw(self, key: str, required: bool) -> Any:
        value = self.obj.get(key)
        if value is None and required:
            raise invalid(f"{self.obj.get('type')}: field {key!r} is required")
        return value

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise invalid(f"field {key!r} must be a non-empty string")
        return value.strip()

    def day(self, key: str, *, required: bool = True) -> date | None:
        value = self.raw(key, required)
        return None if value is None else parse_date(value, f"field {key!r}")

    def on(self) -> date:
        """The business date; the CLI's default is today in Asia/Tokyo."""
        return self.day("on", required=False) or self.today

    def holder(self) -> str:
        return storable.check_holder_number(self.text("holder"))

    def amount(self, key: str, *, required: bool = True) -> int | None:
        value = self.raw(key, required)
        if value is None:
            return None
        if isinstance(value, str) and DIGITS.fullmatch(value):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise invalid(f"field {key!r} must be a positive whole number of yen")
        if value > storable.MAX_AMOUNT:
            raise invalid(f"field {key!r} must be at most {storable.MAX_AMOUNT:,} yen")
        return value

    def choice(self, key: str, options: tuple[str, ...]) -> str:
        value = self.raw(key, True)
        if value not in options:
            raise invalid(f"field {key!r} must be one of {', '.join(options)}, not {value!r}")
        return value

    def qualification(self, *, professional: bool) -> str:
        value = self.raw("qualification", True)
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


@dataclass(frozen=True, kw_only=True)
class Command:
    """What every command carries: the holder number (None for the two without one) and
    the actor named in the command itself, if any."""

    type: ClassVar[str]
    has_holder: ClassVar[bool] = True
    holder: str | None
    actor: str | None = None

    @classmethod
    def parse(cls, f: Fields) -> Command:
        raise NotImplementedError

    def args(self) -> dict[str, Any]:
        """The use case's keyword arguments: every field but the holder and the actor."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                if field.name not in ("holder", "actor")}


@dataclass(frozen=True, kw_only=True)
class RecordExamPass(Command):
    """An exam pass (ExamPassed); the first one creates the holder (name, name_kana)."""

    type: ClassVar[str] = "record_exam_pass"
    qualification: str
    pass_number: str
    issued_on: date
    name: str | None = None
    name_kana: str | None = None
    email: str | None = None

    @classmethod
    def parse(cls, f: Fields) -> RecordExamPass:
        return cls(holder=f.holder(), actor=f.text("actor", required=False),
                   qualification=f.qualification(professional=False),
                   pass_number=f.text("pass_number"), issued_on=f.day("issued_on"),
                   name=f.text("name", required=False),
                   name_kana=f.text("name_kana", required=False),
                   email=f.text("email", required=False))


@dataclass(frozen=True, kw_only=True)
class FileApplication(Command):
    """An application for first certification (forms A-D), evaluated at filing."""

    type: ClassVar[str] = "file_application"
    qualification: str
    on: date
    experience: list[eligibility.ExperienceEntry]
    substitutions: list[eligibility.Substitution]
    ethics_pledge_signed_on: date | None
    pass_report_copy: bool

    @classmethod
    def parse(cls, f: Fields) -> FileApplication:
        holder, actor, on = f.holder(), f.text("actor", required=False), f.on()
        try:
            experience = [eligibility.ExperienceEntry.from_dict(e)
                          for e in f.objects("experience")]
            substitutions = [eligibility.Substitution.from_dict(s)
                             for s in f.objects("substitutions")]
        except ValueError as error:
            raise invalid(str(error)) from None
        late = eligibility.entries_ending_after(experience, on)
        if late:
            raise invalid(
                f"experience entries {', '.join(str(i) for i in late)} end after the filing "
                f"month {on:%Y-%m}"
            )
        copy = f.obj.get("pass_report_copy", False)
        if not isinstance(copy, bool):
            raise invalid("field 'pass_report_copy' must be true or false")
        return cls(holder=holder, actor=actor, qualification=f.qualification(professional=True),
                   on=on, experience=experience, substitutions=substitutions,
                   ethics_pledge_signed_on=f.day("ethics_pledge_signed_on", required=False),
                   pass_report_copy=copy)


@dataclass(frozen=True, kw_only=True)
class RecordPayment(Command):
    """A review-fee payment (FeePaid), or a clerk's allocation of a company transfer."""

    type: ClassVar[str] = "record_payment"
    purpose: str
    qualification: str
    amount: int
    paid_on: date
    payer_name: str | None
    bank_reference: str
    allocated_by: str | None = None
    transfer_amount: int | None = None

    @classmethod
    def parse(cls, f: Fields) -> RecordPayment:
        holder, actor = f.holder(), f.text("actor", required=False)
        allocated_by = f.text("allocated_by", required=False)
        command = cls(
            holder=holder, actor=actor, purpose=f.choice("purpose", PURPOSES),
            qualification=f.qualification(professional=True), amount=f.amount("amount"),
            paid_on=f.day("paid_on"),
            payer_name=f.text("payer_name", required=allocated_by is None),
            bank_reference=f.text("bank_reference"), allocated_by=allocated_by,
            transfer_amount=f.amount("transfer_amount", required=allocated_by is not None))
        if allocated_by is None and command.transfer_amount is not None:
            raise invalid("'transfer_amount' is only for a company transfer with 'allocated_by'")
        return command


@dataclass(frozen=True, kw_only=True)
class _Decision(Command):
    decisions: ClassVar[tuple[str, ...]]
    qualification: str
    on: date
    decision: str
    reasons: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def parse(cls, f: Fields) -> _Decision:
        return cls(holder=f.holder(), actor=f.text("actor", required=False),
                   qualification=f.qualification(professional=True), on=f.on(),
                   decision=f.choice("decision", cls.decisions), reasons=f.strings("reasons"))


@dataclass(frozen=True, kw_only=True)
class DecideApplication(_Decision):
    """Certify or reject an accepted application."""

    type: ClassVar[str] = "decide_application"
    decisions: ClassVar[tuple[str, ...]] = ("certify", "reject")


@dataclass(frozen=True, kw_only=True)
class LogCPD(Command):
    """A CPD entry (1 hour = 1 point) under a category of 別紙1-1."""

    type: ClassVar[str] = "log_cpd"
    entry_id: str
    category: str
    field: int | None
    activity_on: date
    hours: Decimal
    title: str
    provider: str
    on: date

    @classmethod
    def parse(cls, f: Fields) -> LogCPD:
        holder, actor = f.holder(), f.text("actor", required=False)
        category = f.choice("category", cpd.CATEGORIES)
        field_no = f.obj.get("field")
        if isinstance(field_no, str) and DIGITS.fullmatch(field_no):
            field_no = int(field_no)
        if field_no is None and category in cpd.CATEGORIES_NEEDING_FIELD:
            raise invalid(f"field 'field' (1-7) is required for category {category}")
        if field_no is not None and (
            not isinstance(field_no, int) or isinstance(field_no, bool)
            or field_no not in range(1, 8)
        ):
            raise invalid(f"field 'field' must be a field of work 1-7, not {field_no!r}")
        try:
            hours = cpd.parse_hours(f.raw("hours", True))
        except ValueError as error:
            raise invalid(str(error)) from None
        return cls(holder=holder, actor=actor, entry_id=f.text("entry_id"), category=category,
                   field=field_no, activity_on=f.day("activity_on"), hours=hours,
                   title=f.text("title"), provider=f.text("provider"), on=f.on())


@dataclass(frozen=True, kw_only=True)
class WithdrawCPD(Command):
    """Withdraw a CPD entry (a correction: the entry stops counting)."""

    type: ClassVar[str] = "withdraw_cpd"
    entry_id: str
    reason: str | None
    on: date

    @classmethod
    def parse(cls, f: Fields) -> WithdrawCPD:
        return cls(holder=f.holder(), actor=f.text("actor", required=False),
                   entry_id=f.text("entry_id"), reason=f.text("reason", required=False),
                   on=f.on())


@dataclass(frozen=True, kw_only=True)
class RequestRenewal(Command):
    """A renewal request inside the renewal window, with the ethics pledge again."""

    type: ClassVar[str] = "request_renewal"
    qualification: str
    on: date
    ethics_pledge_signed_on: date

    @classmethod
    def parse(cls, f: Fields) -> RequestRenewal:
        holder, actor, on = f.holder(), f.text("actor", required=False), f.on()
        pledge = f.day("ethics_pledge_signed_on", required=False)
        if pledge is None:
            raise invalid("a renewal request needs the ethics pledge signed again "
                          "('ethics_pledge_signed_on')")
        if pledge > on:
            raise invalid(f"the ethics pledge is dated {pledge}, after the request ({on})")
        return cls(holder=holder, actor=actor, qualification=f.qualification(professional=True),
                   on=on, ethics_pledge_signed_on=pledge)


@dataclass(frozen=True, kw_only=True)
class CompleteAudit(Command):
    """Complete a CPD audit, naming the entries it disallows."""

    type: ClassVar[str] = "complete_audit"
    qualification: str
    on: date
    disallowed_entries: list[str]

    @classmethod
    def parse(cls, f: Fields) -> CompleteAudit:
        return cls(holder=f.holder(), actor=f.text("actor", required=False),
                   qualification=f.qualification(professional=True), on=f.on(),
                   disallowed_entries=f.strings("disallowed_entries"))


@dataclass(frozen=True, kw_only=True)
class DecideRenewal(_Decision):
    """Renew or reject an accepted renewal request."""

    type: ClassVar[str] = "decide_renewal"
    decisions: ClassVar[tuple[str, ...]] = ("renew", "reject")


@dataclass(frozen=True, kw_only=True)
class Sweep(Command):
    """One scheduler pass (refused over HTTP: the scheduler runs it)."""

    type: ClassVar[str] = "sweep"
    has_holder: ClassVar[bool] = False
    holder: None = None
    as_of: date

    @classmethod
    def parse(cls, f: Fields) -> Sweep:
        return cls(actor=f.text("actor", required=False),
                   as_of=f.day("as_of", required=False) or f.on())


@dataclass(frozen=True, kw_only=True)
class RecordTransfer(Command):
    """Not in SPEC §8: a bank-statement row, matched to the holder whose payer name it
    carries (or left in the unmatched queue)."""

    type: ClassVar[str] = "record_transfer"
    has_holder: ClassVar[bool] = False
    holder: None = None
    bank_reference: str
    paid_on: date
    amount: int
    payer_name: str

    @classmethod
    def parse(cls, f: Fields) -> RecordTransfer:
        return cls(actor=f.text("actor", required=False),
                   bank_reference=f.text("bank_reference"), paid_on=f.day("paid_on"),
                   amount=f.amount("amount"), payer_name=f.text("payer_name"))


COMMANDS: dict[str, type[Command]] = {cls.type: cls for cls in (
    RecordExamPass, FileApplication, RecordPayment, DecideApplication, LogCPD, WithdrawCPD,
    RequestRenewal, CompleteAudit, DecideRenewal, Sweep, RecordTransfer)}


def parse_json(line: bytes | str, where: str) -> object:
    """One command (a batch line, a request body) as JSON; INVALID_INPUT when it cannot be
    read (bad UTF-8, bad JSON, nesting past the parser's depth, an integer too long)."""
    try:
        text = line.decode("utf-8") if isinstance(line, bytes) else line
    except UnicodeDecodeError as error:
        raise invalid(f"{where} is not UTF-8 (byte {error.start + 1})") from None
    try:
        return json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as error:
        raise invalid(f"{where} is not valid JSON: {error.msg}") from None
    except RecursionError:
        raise invalid(f"{where} is nested too deeply") from None
    except ValueError:  # an integer of thousands of digits
        raise invalid(f"{where} holds a number too long to read") from None


def parse_command(obj: object, today: date) -> Command:
    if not isinstance(obj, dict):
        raise invalid("a command must be a JSON object")
    storable.check_command(obj)
    kind = obj.get("type")
    cls = COMMANDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        shown = repr(kind) if len(repr(kind)) <= 40 else repr(kind)[:40] + "…"
        raise invalid(f"unknown command type {shown}: one of {', '.join(COMMANDS)}")
    return cls.parse(Fields(obj, today))
