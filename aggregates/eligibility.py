"""Eligibility for first certification (認定基準), SPEC §4 and §9 example 4.

Work experience (業務経験) counts only where a supervisor of the organisation where the work was
done signed it; months are the union of calendar months (overlapping jobs count once);
substitution (資格取得・研修受講による代替) adds at most 24 months, toward the 5-year total only.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from aggregates.fees import FeeStatus
from aggregates.qualifications import FIELDS, REQUIRED_FIELDS

MONTHS_REQUIRED = 60
SUBSTITUTION_CAP = 24
FIELDS_REQUIRED = 2
REQUIRED_FIELD_MONTHS = 24

SUBSTITUTION_KINDS = ("qualification", "training")
# Failure codes in the order the evaluation lists them.
FAILURE_ORDER = (
    "EXPERIENCE_INSUFFICIENT",
    "FIELDS_INSUFFICIENT",
    "REQUIRED_FIELD_INSUFFICIENT",
    "ETHICS_PLEDGE_MISSING",
    "DOCUMENTS_MISSING",
    "FEE_NOT_PAID",
)

_YEAR_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True, order=True)
class YearMonth:
    """A calendar month, as experience entries are written ("2024-04")."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 01-12, got {self.month}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year must be 0001-9999, got {self.year}")

    @classmethod
    def parse(cls, text: str) -> YearMonth:
        match = _YEAR_MONTH.fullmatch(text) if isinstance(text, str) else None
        if match is None or not 1 <= int(match[2]) <= 12:
            raise ValueError(f"expected a month as YYYY-MM, got {text!r}")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, d: date) -> YearMonth:
        return cls(d.year, d.month)

    @property
    def index(self) -> int:
        """Months since year 0, so that month arithmetic is integer arithmetic."""
        return self.year * 12 + self.month - 1

    def next(self) -> YearMonth:
        return YearMonth(self.year + self.month // 12, self.month % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Supervisor:
    """The certifier (証明者) who signed an experience entry."""

    name: str
    organization: str
    signed_on: date | None

    def to_dict(self) -> dict:
        signed_on = _iso_or_none(self.signed_on)
        return {"name": self.name, "organization": self.organization, "signed_on": signed_on}

    @classmethod
    def from_dict(cls, d: object) -> Supervisor:
        d = _mapping(d, "supervisor")
        signed_on = d.get("signed_on")
        return cls(
            name=_text(d, "name", "supervisor"),
            organization=_text(d, "organization", "supervisor"),
            signed_on=None if signed_on is None else _iso_date(signed_on, "supervisor.signed_on"),
        )


@dataclass(frozen=True)
class ExperienceEntry:
    """One job on the experience form: organisation, months (inclusive), fields, signature."""

    organization: str
    start: YearMonth
    end: YearMonth
    fields: frozenset[int]
    supervisor: Supervisor | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", frozenset(self.fields))
        if self.end < self.start:
            raise ValueError(f"experience ends {self.end} before it starts {self.start}")
        if not self.fields or not all(_is_field(f) for f in self.fields):
            raise ValueError(f"fields must be a non-empty list of 1-7, got {set(self.fields)}")

    def months(self) -> set[YearMonth]:
        return {YearMonth(i // 12, i % 12 + 1) for i in range(self.start.index, self.end.index + 1)}

    def to_dict(self) -> dict:
        return {
            "organization": self.organization,
            "from": str(self.start),
            "to": str(self.end),
            "fields": sorted(self.fields),
            "supervisor": None if self.supervisor is None else self.supervisor.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: object) -> ExperienceEntry:
        d = _mapping(d, "experience entry")
        for key in ("organization", "from", "to", "fields"):
            if key not in d:
                raise ValueError(f"experience entry is missing {key!r}")
        fields = d["fields"]
        if not isinstance(fields, list) or not fields or not all(_is_field(f) for f in fields):
            raise ValueError(f"experience fields must be a non-empty list of 1-7, got {fields!r}")
        # A blank signature box is a valid form: the entry is kept but does not count.
        supervisor = d.get("supervisor")
        return cls(
            organization=_text(d, "organization", "experience entry", non_empty=True),
            start=YearMonth.parse(d["from"]),
            end=YearMonth.parse(d["to"]),
            fields=frozenset(fields),
            supervisor=None if supervisor is None else Supervisor.from_dict(supervisor),
        )


@dataclass(frozen=True)
class Substitution:
    """A qualification held or training taken in place of some months of experience."""

    kind: str
    name: str
    months: int

    def __post_init__(self) -> None:
        if self.kind not in SUBSTITUTION_KINDS:
            raise ValueError(f"substitution kind must be qualification or training: {self.kind!r}")
        if isinstance(self.months, bool) or not isinstance(self.months, int) or self.months < 1:
            raise ValueError(f"substitution months must be a whole number above 0: {self.months!r}")

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "months": self.months}

    @classmethod
    def from_dict(cls, d: object) -> Substitution:
        d = _mapping(d, "substitution")
        if "kind" not in d or "months" not in d:
            raise ValueError("substitution needs kind, name and months")
        return cls(
            kind=d["kind"],
            name=_text(d, "name", "substitution", non_empty=True),
            months=d["months"],
        )


def _is_field(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in FIELDS


def _mapping(d: object, what: str) -> Mapping:
    if not isinstance(d, Mapping):
        raise ValueError(f"{what} must be an object, got {d!r}")
    return d


def _text(d: Mapping, key: str, what: str, *, non_empty: bool = False) -> str:
    if key not in d:
        raise ValueError(f"{what} is missing {key!r}")
    value = d[key]
    if not isinstance(value, str) or (non_empty and not value.strip()):
        kind = "non-empty text" if non_empty else "text"
        raise ValueError(f"{what} {key} must be {kind}, got {value!r}")
    return value


def _iso_or_none(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _iso_date(value: object, what: str) -> date:
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{what} must be a date as YYYY-MM-DD, got {value!r}")


def _same_organization(a: str, b: str) -> bool:
    def key(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split()).casefold()

    return key(a) != "" and key(a) == key(b)


def counts(entry: ExperienceEntry, filed_on: date) -> bool:
    """An entry counts when signed, by the filing date, by a named certifier of the entry's own
    organisation (they need not still work there)."""
    supervisor = entry.supervisor
    return (
        supervisor is not None
        and supervisor.name.strip() != ""
        and supervisor.signed_on is not None
        and supervisor.signed_on <= filed_on
        and _same_organization(supervisor.organization, entry.organization)
    )


def entries_ending_after(experience: Sequence[ExperienceEntry], filed_on: date) -> list[int]:
    """Indexes of entries claiming work after the filing month (the caller's INVALID_INPUT)."""
    filing_month = YearMonth.of(filed_on)
    return [i for i, entry in enumerate(experience) if entry.end > filing_month]


@dataclass(frozen=True)
class Evaluation:
    """The structured result of the 4 criteria: failure codes, warnings and the figures."""

    failures: tuple[str, ...]
    warnings: tuple[dict, ...]
    figures: dict

    @property
    def eligible(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict:
        return {
            "eligible": self.eligible,
            "failures": list(self.failures),
            "warnings": copy.deepcopy(list(self.warnings)),
            **copy.deepcopy(self.figures),
        }


def _union_months(entries: Sequence[ExperienceEntry]) -> int:
    return len(set().union(*(entry.months() for entry in entries)))


def evaluate(
    *,
    qualification: str,
    filed_on: date,
    experience: Sequence[ExperienceEntry],
    substitutions: Sequence[Substitution],
    ethics_pledge_signed_on: date | None,
    pass_report_copy: bool,
    fee: FeeStatus,
    evaluated_on: date,
    renewal_window_closes_on: date | None,
) -> Evaluation:
    """Evaluate an application for first certification against SPEC §4."""
    if qualification not in REQUIRED_FIELDS:
        raise ValueError(f"{qualification!r} is not a qualification that needs certification")
    required_fields = REQUIRED_FIELDS[qualification]
    counting = [entry for entry in experience if counts(entry, filed_on)]
    unverified = [i for i, entry in enumerate(experience) if not counts(entry, filed_on)]

    months_counted = _union_months(counting)
    claimed = sum(s.months for s in substitutions)
    used = min(SUBSTITUTION_CAP, claimed)  # only toward the 5-year total, never a field
    fields = set().union(*(entry.fields for entry in counting))
    required_months = _union_months([e for e in counting if e.fields & required_fields])
    pledge_ok = ethics_pledge_signed_on is not None and ethics_pledge_signed_on <= filed_on

    failed = {
        "EXPERIENCE_INSUFFICIENT": months_counted + used < MONTHS_REQUIRED,
        "FIELDS_INSUFFICIENT": len(fields) < FIELDS_REQUIRED,
        "REQUIRED_FIELD_INSUFFICIENT": required_months < REQUIRED_FIELD_MONTHS,
        "ETHICS_PLEDGE_MISSING": not pledge_ok,
        "DOCUMENTS_MISSING": not pass_report_copy,
        "FEE_NOT_PAID": not fee.paid_in_full,
    }
    warnings: list[dict] = []
    if unverified:
        warnings.append({"code": "EXPERIENCE_UNVERIFIED", "entries": unverified})
    # SPEC §3: a pass report issued on 31 March can be certified after its cycle's window.
    if renewal_window_closes_on is not None and evaluated_on > renewal_window_closes_on:
        closes_on = renewal_window_closes_on.isoformat()
        warnings.append({"code": "RENEWAL_WINDOW_ALREADY_CLOSED", "closes_on": closes_on})
    figures = {
        "experience": {
            "months_counted": months_counted,
            "substitution_claimed": claimed,
            "substitution_used": used,
            "total_months": months_counted + used,
            "months_required": MONTHS_REQUIRED,
            "fields": sorted(fields),
            "fields_required": FIELDS_REQUIRED,
            "required_fields": sorted(required_fields),
            "required_field_months": required_months,
            "required_field_months_required": REQUIRED_FIELD_MONTHS,
        },
        "ethics_pledge": {"signed_on": _iso_or_none(ethics_pledge_signed_on), "ok": pledge_ok},
        "documents": {"pass_report_copy": pass_report_copy, "ok": pass_report_copy},
        "fee": fee.to_dict(),
    }
    failures = tuple(code for code in FAILURE_ORDER if failed[code])
    return Evaluation(failures=failures, warnings=tuple(warnings), figures=figures)
