"""The rules a certification body may change, as dated values (規程): a policy.

Each series of values says from which date each value applies and which date of a case is
compared with it: CPD rules by the cycle's `valid_from` (a cycle keeps the rules it started
under), the review fee and the consumption tax by the payment date, the audit rate by the
date the renewal request was accepted, the reminder lead time by the sweep's date.

`DEFAULT` is SPEC.md's rules exactly. The rules in force for a decision are `in_force()`:
the default unless the application applies the live (adopted) policy, or a what-if applies
a proposal, around the call (`applying`). A context variable, not an argument, because the
same rules must reach the events' own fold (fees decide when an application is accepted)
and the library calls that fold with no room for one.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Generic, TypeVar

from aggregates.cpd import CAPS, MAX_HOURS_PER_ENTRY, REQUIRED_POINTS, CategoryCap
from aggregates.fees import BASE_FEE, TAX_RATES

T = TypeVar("T")

# What each series' dates are compared with (the policy file names it, the show prints it).
APPLIES_BY = {
    "cpd": "cycle_valid_from",
    "review_fee": "payment_date",
    "tax": "payment_date",
    "audit": "acceptance_date",
    "reminders": "sweep_date",
}
EARLIEST = date(1900, 1, 1)


@dataclass(frozen=True)
class Dated(Generic[T]):
    """Values in force from their dates on, sorted by date; the first applies from its date."""

    starts: tuple[date, ...]
    values: tuple[T, ...]

    @classmethod
    def of(cls, pairs) -> Dated:
        ordered = sorted(pairs, key=lambda pair: pair[0])
        return cls(tuple(d for d, _ in ordered), tuple(v for _, v in ordered))

    def on(self, d: date) -> T:
        index = bisect.bisect_right(self.starts, d) - 1
        if index < 0:
            raise ValueError(f"no rule is known for {d} (the policy starts {self.starts[0]})")
        return self.values[index]

    def pairs(self) -> list[tuple[date, T]]:
        return list(zip(self.starts, self.values, strict=True))


@dataclass(frozen=True)
class CPDRules:
    """What a cycle needs: points required, the category caps, the hours one entry may have."""

    required: Decimal
    caps: Mapping[str, CategoryCap]
    max_hours_per_entry: Decimal

    def __hash__(self) -> int:
        return hash((self.required, tuple(sorted(self.caps.items())), self.max_hours_per_entry))


@dataclass(frozen=True)
class Policy:
    version: str
    cpd: Dated[CPDRules]
    review_fee: Dated[int]  # before tax, in yen
    tax: Dated[Decimal]
    audit_rate: Dated[Decimal]
    reminder_days: Dated[int]  # days before a window closes that an unrequested holder is told
    description: str = ""

    def cpd_for_cycle(self, valid_from: date) -> CPDRules:
        return self.cpd.on(valid_from)

    def tax_rate_on(self, paid_on: date) -> Decimal:
        try:
            return self.tax.on(paid_on)
        except ValueError:
            raise ValueError(f"no consumption-tax rate is known for {paid_on} "
                             f"(the table starts {self.tax.starts[0]})") from None

    def fee_due(self, paid_on: date) -> int:
        """The fee in whole yen for a payment made on `paid_on`."""
        base = self.review_fee.on(paid_on)
        # Fractions of a yen of tax are dropped (端数切捨て), as invoices do.
        tax = (base * self.tax_rate_on(paid_on)).quantize(Decimal(1), rounding=ROUND_DOWN)
        return base + int(tax)

    def audit_rate_on(self, accepted_on: date) -> Decimal:
        return self.audit_rate.on(accepted_on)

    def reminder_days_on(self, on: date) -> int:
        return self.reminder_days.on(on)


Range = tuple[date, "date | None"]  # [from, until); None: no end


def cycle_ranges(a: Policy, b: Policy, differs=lambda x, y: x != y) -> list[Range]:
    """The cycle start dates (`valid_from`) whose CPD rules `differs` between `a` and `b`,
    as ranges: whom a change of the CPD rules can touch."""
    return _ranges(sorted({*a.cpd.starts, *b.cpd.starts}),
                   lambda d: differs(_value(a.cpd, d), _value(b.cpd, d)))


def caps_differ(x: CPDRules | None, y: CPDRules | None) -> bool:
    """Rules that count a cycle's points differently (not merely require another total)."""
    return (x is None) != (y is None) or (x is not None and x.caps != y.caps)


def fee_ranges(a: Policy, b: Policy) -> list[Range]:
    """The payment dates on which the fee due (before tax, and the tax) differs."""
    points = sorted({*a.review_fee.starts, *a.tax.starts, *b.review_fee.starts,
                     *b.tax.starts})
    return _ranges(points, lambda d: _fee(a, d) != _fee(b, d))


def in_ranges(d: date, ranges: list[Range]) -> bool:
    return any(start <= d and (end is None or d < end) for start, end in ranges)


def _ranges(points: list[date], differs) -> list[Range]:
    found: list[Range] = []
    for index, start in enumerate(points):
        end = points[index + 1] if index + 1 < len(points) else None
        if not differs(start):
            continue
        if found and found[-1][1] == start:
            found[-1] = (found[-1][0], end)
        else:
            found.append((start, end))
    return found


def _value(series: Dated, d: date):
    try:
        return series.on(d)
    except ValueError:
        return None


def _fee(policy: Policy, d: date) -> int | None:
    try:
        return policy.fee_due(d)
    except ValueError:
        return None


DEFAULT = Policy(
    version="spec",
    description="The rules of SPEC.md (the 2019 renewal manual, the 2026 certification manual)",
    cpd=Dated.of([(EARLIEST, CPDRules(REQUIRED_POINTS, dict(CAPS), MAX_HOURS_PER_ENTRY))]),
    review_fee=Dated.of([(EARLIEST, BASE_FEE)]),
    tax=Dated.of(TAX_RATES),
    audit_rate=Dated.of([(EARLIEST, Decimal("0.10"))]),
    reminder_days=Dated.of([(EARLIEST, 14)]),
)

_in_force: ContextVar[Policy] = ContextVar("policy_in_force", default=DEFAULT)


def in_force() -> Policy:
    """The policy the current decision or fold runs under."""
    return _in_force.get()


def recorded_version(policy: Policy) -> str | None:
    """What a decision's event records: None under the shipped rules before any policy was
    adopted (so those events read exactly as they always have), else the version."""
    return None if policy is DEFAULT else policy.version


@contextmanager
def applying(policy: Policy | None) -> Iterator[Policy]:
    """Run the enclosed decisions and folds under `policy` (None: whatever is in force)."""
    if policy is None:
        yield in_force()
        return
    token = _in_force.set(policy)
    try:
        yield policy
    finally:
        _in_force.reset(token)
