"""The review fee (審査手数料) and what has been paid towards it, SPEC §6.

10,000 JPY plus consumption tax (消費税) at the rate in force on the payment date. The rate
table is data (tax_rates.csv) so that a change of rate is a new row, not a code change.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from importlib import resources

BASE_FEE = 10_000


def _load_tax_rates() -> tuple[tuple[date, ...], tuple[Decimal, ...]]:
    text = resources.files(__package__).joinpath("tax_rates.csv").read_text(encoding="utf-8")
    rows = sorted(
        (date.fromisoformat(row["from"]), Decimal(row["rate"]))
        for row in csv.DictReader(io.StringIO(text))
    )
    return tuple(start for start, _ in rows), tuple(rate for _, rate in rows)


_RATE_STARTS, _RATES = _load_tax_rates()
TAX_RATES: tuple[tuple[date, Decimal], ...] = tuple(zip(_RATE_STARTS, _RATES, strict=True))


def tax_rate_on(d: date) -> Decimal:
    """The consumption-tax rate in force on `d`."""
    index = bisect.bisect_right(_RATE_STARTS, d) - 1
    if index < 0:
        first = _RATE_STARTS[0]
        raise ValueError(f"no consumption-tax rate is known for {d} (the table starts {first})")
    return _RATES[index]


def fee_due(on: date) -> int:
    """The fee in whole yen for a payment made on `on` (10,500 / 10,800 / 11,000)."""
    # Fractions of a yen of tax are dropped (端数切捨て), as invoices do; none arise on 10,000.
    tax = (BASE_FEE * tax_rate_on(on)).quantize(Decimal(1), rounding=ROUND_DOWN)
    return BASE_FEE + int(tax)


@dataclass(frozen=True)
class FeeStatus:
    """The fee due and the sum paid towards one application or renewal request."""

    due: int
    paid: int

    @property
    def shortfall(self) -> int:
        return max(0, self.due - self.paid)

    @property
    def excess(self) -> int:
        # Shown, never refunded nor carried to a later application (SPEC §6, §10).
        return max(0, self.paid - self.due)

    @property
    def paid_in_full(self) -> bool:
        return self.paid >= self.due

    def to_dict(self) -> dict:
        return {
            "due": self.due,
            "paid": self.paid,
            "shortfall": self.shortfall,
            "excess": self.excess,
            "paid_in_full": self.paid_in_full,
        }


def fee_status(payments: Sequence[tuple[date, int]], on: date,
               due: Callable[[date], int] = fee_due) -> FeeStatus:
    """Sum `(paid_on, amount)` payments against the fee due.

    With several partial payments the fee due is the one in force on the latest payment's
    date, so a payment straddling a rate change is topped up at the new rate; with none yet,
    it is the fee that would be due on `on`. `due`: the fee on a payment date (the rules in
    force; SPEC.md's by default).
    """
    if not payments:
        return FeeStatus(due=due(on), paid=0)
    latest = max(paid_on for paid_on, _ in payments)
    return FeeStatus(due=due(latest), paid=sum(amount for _, amount in payments))
