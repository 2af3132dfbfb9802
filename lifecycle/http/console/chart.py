"""A grouped bar chart as SVG geometry for a template: no script, no library, no CDN."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 260, 48, 40, 16


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    value: int
    label: str


def _nice_top(value: int) -> int:
    """The smallest of 1, 2, 5 × a power of ten that is at least `value`."""
    magnitude = 10 ** (len(str(value)) - 1)
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= value)


def bar_chart(years: dict[int, dict[str, int]], series: tuple[tuple[str, str], ...]) -> dict:
    """Bars per fiscal year (年度) and series, the y axis's ticks, the legend."""
    keys = sorted(years)
    top = _nice_top(max([1, *(v for y in years.values() for v in y.values())]))
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    group = plot_w / max(1, len(keys))
    bar_w = min(28.0, group / (len(series) + 1))
    bars, groups = [], []
    for i, year in enumerate(keys):
        x0 = LEFT + i * group + (group - bar_w * len(series)) / 2
        groups.append({"x": LEFT + i * group + group / 2, "label": f"{year}年度"})
        for j, (key, name) in enumerate(series):
            value = years[year].get(key, 0)
            height = plot_h * value / top
            bars.append(Bar(x0 + j * bar_w, TOP + plot_h - height, bar_w - 2, height, j, value,
                            f"{year}年度 {name} {value:,}件"))
    steps = 5 if top % 5 == 0 else 2 if top % 2 == 0 else 1  # whole numbers on the axis
    ticks = [{"y": TOP + plot_h - plot_h * k / steps, "label": f"{top * k // steps:,}"}
             for k in range(steps + 1)]
    return {"width": WIDTH, "height": HEIGHT, "bars": bars, "groups": groups, "ticks": ticks,
            "series": [name for _key, name in series], "left": LEFT,
            "baseline": TOP + plot_h, "right": WIDTH - 8, "empty": not keys}
