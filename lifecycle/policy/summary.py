"""A policy's rules on a date as JSON primitives (for `policy show` and `policy check`)."""

from __future__ import annotations

from datetime import date

from aggregates.cpd import CATEGORIES, format_points
from aggregates.policy import APPLIES_BY, Dated, Policy


def rules_on(policy: Policy, on: date) -> dict:
    """Each rule in force on `on`: its value, from when, and the date it is compared with."""
    cpd = policy.cpd_for_cycle(on)
    return {
        "cpd": _entry(policy.cpd, on, "cpd", {
            "required": format_points(cpd.required),
            "max_hours_per_entry": format_points(cpd.max_hours_per_entry),
            "caps": {c: {"per_cycle": format_points(cpd.caps[c].per_cycle),
                         "per_fiscal_year": None if cpd.caps[c].per_fiscal_year is None
                         else format_points(cpd.caps[c].per_fiscal_year)}
                     for c in CATEGORIES}}),
        "review_fee": _entry(policy.review_fee, on, "review_fee", {
            "before_tax": policy.review_fee.on(on), "due": policy.fee_due(on)}),
        "tax": _entry(policy.tax, on, "tax", {"rate": str(policy.tax_rate_on(on))}),
        "audit": _entry(policy.audit_rate, on, "audit", {"rate": str(policy.audit_rate_on(on))}),
        "reminders": _entry(policy.reminder_days, on, "reminders", {
            "days_before_window_closes": policy.reminder_days_on(on)}),
    }


def _entry(series: Dated, on: date, name: str, values: dict) -> dict:
    starts = [d for d in series.starts if d <= on]
    later = [d for d in series.starts if d > on]
    return {**values, "from": starts[-1].isoformat() if starts else None,
            "next_change": later[0].isoformat() if later else None,
            "applies_by": APPLIES_BY[name]}


def lines(summary: dict) -> list[str]:
    """The summary as lines a person reads."""
    out = []
    for name, entry in summary.items():
        values = {k: v for k, v in entry.items()
                  if k not in ("from", "next_change", "applies_by")}
        shown = ", ".join(f"{k} {_plain(v)}" for k, v in values.items())
        change = f"; changes {entry['next_change']}" if entry["next_change"] else ""
        out.append(f"{name:<11} {shown}  (from {entry['from']}, by {entry['applies_by']}"
                   f"{change})")
    return out


def _plain(value) -> str:
    if isinstance(value, dict):
        return " ".join(f"{k}:{_plain(v)}" for k, v in value.items())
    return "-" if value is None else str(value)
