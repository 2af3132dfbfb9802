"""The dashboard's SVG chart: bars in proportion to a round top, whole-number ticks."""

from __future__ import annotations

from pytest import approx

from lifecycle.http.console.chart import bar_chart

SERIES = (("certifications", "新規認定"), ("renewals", "更新"), ("lapses", "失効"))


def test_bars_stand_in_proportion_under_a_round_top():
    chart = bar_chart({2025: {"certifications": 40, "renewals": 20, "lapses": 0},
                       2026: {"certifications": 10, "renewals": 47, "lapses": 3}}, SERIES)
    heights = {b.label: b.height for b in chart["bars"]}
    tallest = heights["2026年度 更新 47件"]
    assert heights["2025年度 新規認定 40件"] == approx(tallest * 40 / 47)
    assert heights["2025年度 失効 0件"] == 0
    assert [t["label"] for t in chart["ticks"]] == ["0", "10", "20", "30", "40", "50"]
    assert all(b.y + b.height == approx(chart["baseline"]) for b in chart["bars"])
    assert [g["label"] for g in chart["groups"]] == ["2025年度", "2026年度"]


def test_small_counts_still_get_whole_ticks_and_no_years_say_so():
    chart = bar_chart({2030: {"certifications": 1, "renewals": 2, "lapses": 0}}, SERIES)
    assert [t["label"] for t in chart["ticks"]] == ["0", "1", "2"]
    assert bar_chart({}, SERIES)["empty"]
