"""The CPD table of a certification period: points per category (別紙1-1) and fiscal year,
with the annual and per-cycle caps applied where they bite, as `aggregates.cpd` counts
them (its caps, its count; the table only lays the figures out)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from aggregates.cpd import CAPS, CATEGORIES, count_points, format_points
from aggregates.fiscal_calendar import fiscal_year
from aggregates.state import HolderState


def cpd_table(state: HolderState, valid_from: date, valid_until: date) -> dict:
    years = list(range(fiscal_year(valid_from), fiscal_year(valid_until) + 1))
    counting = [e for e in state.cpd.values()
                if valid_from <= e.activity_on <= valid_until
                and e.withdrawn_on is None and e.disallowed_on is None]
    points: dict[str, dict[int, Decimal]] = {c: defaultdict(Decimal) for c in CATEGORIES}
    for entry in counting:
        points[entry.category][fiscal_year(entry.activity_on)] += entry.hours
    count = count_points((e.category, e.activity_on, e.hours) for e in counting)
    rows = []
    for category in CATEGORIES:
        cap = CAPS[category]
        cells = []
        for year in years:
            logged = points[category].get(year, Decimal(0))
            capped = logged if cap.per_fiscal_year is None else min(logged, cap.per_fiscal_year)
            cells.append({"logged": format_points(logged), "capped": format_points(capped),
                          "cut": capped < logged})
        within = sum(points[category].values(), Decimal(0))
        rows.append({
            "category": category, "cells": cells,
            "annual_cap": None if cap.per_fiscal_year is None
            else format_points(cap.per_fiscal_year),
            "cycle_cap": format_points(cap.per_cycle), "logged": format_points(within),
            "counted": format_points(count.by_category[category]),
            "cut": count.by_category[category] < within,
        })
    return {"years": years, "rows": rows, "counted": format_points(count.counted)}


def entries(state: HolderState) -> list:
    return sorted(state.cpd.values(), key=lambda e: (e.activity_on, e.entry_id))
