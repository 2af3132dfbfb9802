from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregates.fees import BASE_FEE, FeeStatus, fee_due, fee_status, tax_rate_on


@pytest.mark.parametrize(
    ("on", "rate"),
    [
        (date(2014, 3, 31), Decimal("0.05")),
        (date(2014, 4, 1), Decimal("0.08")),
        (date(2019, 9, 30), Decimal("0.08")),
        (date(2019, 10, 1), Decimal("0.10")),
        (date(2030, 1, 1), Decimal("0.10")),
        (date(1997, 4, 1), Decimal("0.05")),
        (date(1989, 4, 1), Decimal("0.03")),
    ],
)
def test_tax_rate_in_force_on_a_date(on, rate):
    assert tax_rate_on(on) == rate


def test_no_rate_before_the_table_starts():
    with pytest.raises(ValueError, match="1989-04-01"):
        tax_rate_on(date(1989, 3, 31))


@pytest.mark.parametrize(
    ("on", "fee"),
    [
        (date(2014, 3, 31), 10_500),
        (date(2014, 4, 1), 10_800),
        (date(2019, 9, 30), 10_800),
        (date(2019, 10, 1), 11_000),
        (date(2026, 9, 3), 11_000),
    ],
)
def test_fee_is_10000_plus_tax_in_force_on_the_payment_date(on, fee):
    assert fee_due(on) == fee
    assert isinstance(fee_due(on), int)


def test_base_fee():
    assert BASE_FEE == 10_000


def test_no_payment_is_due_at_the_rate_of_the_given_date():
    status = fee_status([], on=date(2026, 9, 1))
    assert status == FeeStatus(due=11_000, paid=0)
    assert status.shortfall == 11_000
    assert not status.paid_in_full


def test_exact_payment_is_paid_in_full():
    status = fee_status([(date(2026, 9, 3), 11_000)], on=date(2026, 9, 1))
    assert status.to_dict() == {
        "due": 11_000,
        "paid": 11_000,
        "shortfall": 0,
        "excess": 0,
        "paid_in_full": True,
    }


def test_underpayment_shows_the_shortfall():
    status = fee_status([(date(2026, 9, 3), 10_800)], on=date(2026, 9, 3))
    assert (status.shortfall, status.excess, status.paid_in_full) == (200, 0, False)


def test_overpayment_shows_the_excess():
    status = fee_status([(date(2026, 9, 3), 12_000)], on=date(2026, 9, 3))
    assert (status.shortfall, status.excess, status.paid_in_full) == (0, 1_000, True)


def test_payment_on_the_last_day_of_8_percent():
    assert fee_status([(date(2019, 9, 30), 10_800)], on=date(2019, 10, 5)).paid_in_full


def test_payment_on_the_first_day_of_10_percent():
    status = fee_status([(date(2019, 10, 1), 10_800)], on=date(2019, 9, 30))
    assert status.due == 11_000
    assert status.shortfall == 200


def test_partial_payments_straddling_a_rate_change_are_due_at_the_latest_rate():
    payments = [(date(2019, 9, 30), 5_000), (date(2019, 10, 1), 5_800)]
    status = fee_status(payments, on=date(2019, 9, 1))
    assert status == FeeStatus(due=11_000, paid=10_800)
    assert status.shortfall == 200


def test_latest_payment_decides_whatever_the_order_given():
    payments = [(date(2019, 10, 1), 5_800), (date(2019, 9, 30), 5_000)]
    assert fee_status(payments, on=date(2019, 9, 1)).due == 11_000


def test_partial_payments_before_2014_change_are_due_at_8_percent_once_one_is_after():
    payments = [(date(2014, 3, 31), 10_000), (date(2014, 4, 1), 500)]
    assert fee_status(payments, on=date(2014, 4, 1)) == FeeStatus(due=10_800, paid=10_500)


def test_all_payments_before_a_change_keep_the_old_fee_even_if_evaluated_later():
    payments = [(date(2019, 9, 1), 5_000), (date(2019, 9, 30), 5_800)]
    assert fee_status(payments, on=date(2019, 12, 1)) == FeeStatus(due=10_800, paid=10_800)


@given(st.integers(min_value=0, max_value=50_000), st.integers(min_value=0, max_value=50_000))
def test_shortfall_and_excess_never_both_positive(due, paid):
    status = FeeStatus(due=due, paid=paid)
    assert status.shortfall * status.excess == 0
    assert status.paid - status.due == status.excess - status.shortfall
    assert status.paid_in_full == (status.shortfall == 0)


@given(
    st.lists(
        st.tuples(
            st.dates(min_value=date(2010, 1, 1), max_value=date(2030, 12, 31)),
            st.integers(min_value=1, max_value=20_000),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_paid_is_the_sum_and_due_follows_the_latest_date(payments):
    status = fee_status(payments, on=date(2000, 1, 1))
    assert status.paid == sum(amount for _, amount in payments)
    assert status.due == fee_due(max(d for d, _ in payments))
