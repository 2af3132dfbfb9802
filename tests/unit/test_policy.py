"""Policy files: the shipped one is SPEC.md's rules; a bad one is refused naming its line and
key; dated lookups; what an adoption may not change."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aggregates.errors import DomainError
from aggregates.policy import DEFAULT, Dated
from aggregates.policy_log import check_adoption
from lifecycle.policy.loading import PolicyFileError, default_text, parse

D = date.fromisoformat


def test_the_shipped_file_is_the_built_in_default():
    assert parse(default_text()) == DEFAULT


def test_the_shipped_rules_are_spec_md():
    cpd = DEFAULT.cpd_for_cycle(D("2027-04-01"))
    assert cpd.required == 30 and cpd.max_hours_per_entry == 100
    assert {c: (cap.per_cycle, cap.per_fiscal_year) for c, cap in cpd.caps.items()} == {
        "A": (30, None), "B": (15, 5), "C": (15, 5), "D": (15, 5)}
    assert [DEFAULT.fee_due(D(d)) for d in ("2014-03-31", "2019-09-30", "2019-10-01")] == [
        10500, 10800, 11000]
    assert DEFAULT.audit_rate_on(D("2030-01-01")) == Decimal("0.10")
    assert DEFAULT.reminder_days_on(D("2030-01-01")) == 14


def test_a_dated_series_gives_the_value_in_force_from_its_date():
    series = Dated.of([(D("2028-04-01"), 40), (D("2000-01-01"), 30)])
    assert [series.on(D(d)) for d in ("2000-01-01", "2028-03-31", "2028-04-01")] == [30, 30, 40]
    with pytest.raises(ValueError, match="starts 2000-01-01"):
        series.on(D("1999-12-31"))


def edited(old: str, new: str) -> str:
    text = default_text()
    assert old in text
    return text.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.mark.parametrize(("old", "new", "key", "says"), [
    ("caps.C = { per_cycle = 15", "caps.C = { per_cycle = 0", "cpd.rules[1].caps.C.per_cycle",
     "at least 0.01"),
    ("required = 30 ", "required = 30.5 ", "cpd.rules[1].required", "as text"),
    ("max_hours_per_entry = 100", "max_hours_per_entry = 150",
     "cpd.rules[1].max_hours_per_entry", "from 0.01 to 100"),
    ('rate = "0.08"', 'rate = "8%"', "tax.rules[3].rate", "needs a number"),
    ("from = 1997-04-01", "from = 1989-04-01", "tax.rules[2].from", "already the start"),
    ('applies_by = "sweep_date"', 'applies_by = "payment_date"', "reminders.applies_by",
     '"sweep_date"'),
    ("before_tax = 10000", "before_tax = -1", "review_fee.rules[1].before_tax", "whole number"),
    ("days_before_window_closes = 14", "days = 14", "reminders.rules[1].days", "unknown key"),
])
def test_a_bad_value_is_refused_naming_its_line_and_key(old, new, key, says):
    text = edited(old, new)
    with pytest.raises(PolicyFileError) as caught:
        parse(text)
    error = caught.value
    assert error.key == key and says in error.message
    assert error.line == default_text().count("\n", 0, default_text().index(old)) + 1


def test_a_toml_syntax_error_names_its_line():
    text = edited('rate = "0.05"', 'rate = "0.05')
    with pytest.raises(PolicyFileError) as caught:
        parse(text)
    assert caught.value.line == line_of(text, 'rate = "0.05') and "TOML" in str(caught.value)


def test_a_missing_section_is_named():
    text = default_text().replace("[audit]", "[audits]").replace("[[audit.rules]]",
                                                                 "[[audits.rules]]")
    with pytest.raises(PolicyFileError) as caught:
        parse(text)
    assert caught.value.key == "audits" and "unknown key" in caught.value.message
    assert caught.value.line == line_of(text, "[audits]")


def with_fee(version: str, start: str, fee: int):
    return parse(edited("before_tax = 10000                 # yen\n",
                        f"before_tax = 10000\n\n[[review_fee.rules]]\nfrom = {start}\n"
                        f"before_tax = {fee}\n").replace('version = "spec"',
                                                         f'version = "{version}"'))


def test_an_adoption_may_not_re_judge_fees_paid_before_its_date():
    check_adoption(DEFAULT, with_fee("later", "2027-04-01", 12000), D("2027-01-01"), [])
    with pytest.raises(DomainError) as caught:
        check_adoption(DEFAULT, with_fee("earlier", "2026-04-01", 12000), D("2027-01-01"), [])
    assert caught.value.code == "INVALID_INPUT" and "2026-04-01" in caught.value.message


def test_cycle_and_fee_ranges_name_exactly_the_dates_whose_rules_differ():
    from datetime import date as d

    from aggregates.policy import caps_differ, cycle_ranges, fee_ranges, in_ranges
    from lifecycle.policy.loading import default_text, parse

    base = parse(default_text())
    assert cycle_ranges(base, base) == [] and fee_ranges(base, base) == []
    raised = parse(default_text().replace('version = "spec"', 'version = "r40"').replace(
        "required = 30", "required = 40"))
    changed = cycle_ranges(base, raised)
    assert changed and in_ranges(d(2027, 4, 1), changed) and in_ranges(d(2035, 4, 1), changed)
    assert cycle_ranges(base, raised, caps_differ) == []  # the same caps: counts unchanged
