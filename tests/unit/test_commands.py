"""Command shapes: INVALID_INPUT before any lookup (SPEC §8, §10)."""

from __future__ import annotations

from datetime import date

import pytest

from aggregates.errors import DomainError
from lifecycle.commands import parse_command

TODAY = date(2026, 11, 24)
PASS = {"type": "record_exam_pass", "holder": "H1", "qualification": "CAP",
        "pass_number": "P1", "issued_on": "2026-06-15", "name": "n", "name_kana": "カナ"}


@pytest.mark.parametrize("issued_on", ["9999-12-31", "1899-12-31", "2026-02-30", "2026/06/15",
                                       "20260615", 20260615])
def test_dates_outside_the_calendar_or_the_computable_range_are_invalid_input(issued_on):
    with pytest.raises(DomainError) as refused:
        parse_command({**PASS, "issued_on": issued_on}, TODAY)
    assert refused.value.code == "INVALID_INPUT"


def test_a_missing_business_date_defaults_to_the_given_today():
    command = parse_command({"type": "withdraw_cpd", "holder": "H1", "entry_id": "e1"}, TODAY)
    assert command.on == TODAY


@pytest.mark.parametrize("field", ["title", "provider", "hours", "activity_on", "entry_id"])
def test_a_cpd_entry_needs_every_field_spec_lists(field):
    entry = {"type": "log_cpd", "holder": "H1", "entry_id": "e1", "category": "A",
             "activity_on": "2027-05-10", "hours": "3", "title": "t", "provider": "p"}
    del entry[field]
    with pytest.raises(DomainError) as refused:
        parse_command(entry, TODAY)
    assert refused.value.code == "INVALID_INPUT"
