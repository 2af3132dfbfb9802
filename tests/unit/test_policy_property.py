"""Properties of policies over random CPD histories: the shipped policy file decides exactly
as SPEC.md's rules, and a raised requirement never makes anyone sufficient."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from aggregates import policy as rules
from aggregates.errors import DomainError
from aggregates.fiscal_calendar import fiscal_year
from aggregates.policy import CPDRules, Dated
from aggregates.status import counted_points, holder_status
from aggregates.what_if import compare, sufficient
from lifecycle.policy.loading import default_text, parse

from .holders import certified_holder, pay, request

CYCLE_START = date(2027, 4, 1)
CYCLE_DAYS = (date(2030, 3, 31) - CYCLE_START).days
SPEC_CAPS = {"A": (30, None), "B": (15, 5), "C": (15, 5), "D": (15, 5)}

entries = st.lists(st.tuples(
    st.sampled_from("ABCD"), st.integers(0, CYCLE_DAYS - 120),
    st.decimals(min_value=Decimal("0.25"), max_value=Decimal(20), places=2),
    st.booleans()), max_size=14)
days = st.integers(0, 2 * 365)


def history(items, renew: bool):
    """A certified holder with CPD entries (some withdrawn) and, optionally, a renewal
    attempt in the window: the holder and the error code of the attempt (or None)."""
    holder = certified_holder()
    for index, (category, offset, hours, withdraw) in enumerate(items):
        on = CYCLE_START + timedelta(days=offset)
        holder.log_cpd(entry_id=f"e{index}", category=category,
                       field=None if category == "A" else 4, activity_on=on, hours=hours,
                       title="t", provider="p", on=on, actor="test")
        if withdraw:
            holder.withdraw_cpd(entry_id=f"e{index}", reason=None, on=on, actor="test")
    code = None
    if renew:
        request(holder, "2030-01-10")
        pay(holder, "2030-01-11", number="CAP-2027-00001", reference="R1")
        try:
            holder.decide_renewal(qualification="CAP", on=date(2030, 2, 1), decision="renew",
                                  reasons=[], actor="test")
        except DomainError as error:
            code = error.code
    return holder, code


def spec_counted(items) -> Decimal:
    """SPEC §5's formula, written out independently of aggregates.cpd."""
    points: dict = {}
    for category, offset, hours, withdrawn in items:
        if not withdrawn:
            year = fiscal_year(CYCLE_START + timedelta(days=offset))
            points.setdefault(category, {}).setdefault(year, Decimal(0))
            points[category][year] += hours
    total = Decimal(0)
    for category, years in points.items():
        per_cycle, per_year = SPEC_CAPS[category]
        total += min(Decimal(per_cycle), sum(
            (v if per_year is None else min(Decimal(per_year), v) for v in years.values()),
            Decimal(0)))
    return total


def data(events) -> list:
    return [(type(e).__name__, {k: v for k, v in e.data().items() if k != "policy_version"})
            for e in events]


@settings(max_examples=60, deadline=None)
@given(entries, st.booleans(), days)
def test_the_shipped_policy_file_decides_exactly_as_spec_md(items, renew, offset):
    shipped = parse(default_text().replace('version = "spec"', 'version = "copy"'))
    plain, plain_code = history(items, renew)
    with rules.applying(shipped):
        filed, filed_code = history(items, renew)
        on = CYCLE_START + timedelta(days=offset)
        filed_status = holder_status(filed.state, on)
    assert filed_code == plain_code
    assert data(filed.collect_events()) == data(plain.collect_events())
    assert filed_status == holder_status(plain.state, on)
    first = plain.state.qualifications["CAP"].certification.periods[0]
    assert counted_points(plain.state, first) == spec_counted(items)
    assert plain_code == (None if spec_counted(items) >= 30 or not renew else "CPD_INSUFFICIENT")


@settings(max_examples=60, deadline=None)
@given(entries, st.booleans(), st.integers(1, 40), st.sampled_from(
    [date(2000, 1, 1), CYCLE_START, date(2030, 4, 1)]), days)
def test_raising_the_requirement_never_makes_an_insufficient_holder_sufficient(
        items, renew, extra, start, offset):
    holder, _ = history(items, renew)
    shipped = rules.DEFAULT.cpd.values[0]
    raised = rules.Policy(
        version="raised", cpd=Dated.of([(date(1900, 1, 1), shipped), (start, CPDRules(
            shipped.required + extra, shipped.caps, shipped.max_hours_per_entry))]),
        review_fee=rules.DEFAULT.review_fee, tax=rules.DEFAULT.tax,
        audit_rate=rules.DEFAULT.audit_rate, reminder_days=rules.DEFAULT.reminder_days)
    on = CYCLE_START + timedelta(days=offset + 500)
    for outcome in compare(holder.state, on, rules.DEFAULT, raised):
        if sufficient(outcome.counted_now, outcome.required_now) is False:
            assert sufficient(outcome.counted_then, outcome.required_then) is False
        if outcome.now == "lapsed":
            assert outcome.then == "lapsed"
        if "refused" not in outcome.why:  # same period shown, same caps: same points
            assert outcome.counted_then == outcome.counted_now
            shown = holder.state.qualifications["CAP"].certification.period_shown_on(on)
            raised_here = shown.valid_from >= start
            assert Decimal(outcome.required_then) == 30 + (extra if raised_here else 0)
