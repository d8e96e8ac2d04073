"""A stacked bar chart (online over in-store, per day) as plain SVG geometry for the template.

Server-side so the chart shows without JavaScript; each bar has a <title> for hover text.
"""

from __future__ import annotations

from dataclasses import dataclass

from activereach.analytics.service import DayRow

WIDTH, HEIGHT = 960, 260
LEFT, BOTTOM, TOP = 70, 24, 10


@dataclass
class Bar:
    x: float
    width: float
    offline_y: float
    offline_h: float
    online_y: float
    online_h: float
    day: str
    label: str | None
    online: int
    offline: int


@dataclass
class Chart:
    width: int
    height: int
    left: int
    plot_bottom: float
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value in minor units)


def nice_max(value: int) -> int:
    """The axis top: 1, 2 or 5 × a power of ten, at least ``value``."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def stacked(days: list[DayRow]) -> Chart:
    plot_h = HEIGHT - BOTTOM - TOP
    top = nice_max(max((d.online + d.offline for d in days), default=0))
    slot = (WIDTH - LEFT) / max(len(days), 1)
    every = max(1, len(days) // 10)  # about ten date labels, whatever the range
    bars = []
    for index, day in enumerate(days):
        off_h = plot_h * day.offline / top
        on_h = plot_h * day.online / top
        base = TOP + plot_h
        bars.append(Bar(x=round(LEFT + index * slot + slot * 0.1, 2), width=round(slot * 0.8, 2),
                        offline_y=round(base - off_h, 2), offline_h=round(off_h, 2),
                        online_y=round(base - off_h - on_h, 2), online_h=round(on_h, 2),
                        day=day.day, label=day.day[5:] if index % every == 0 else None,
                        online=day.online, offline=day.offline))
    ticks = [(round(TOP + plot_h - plot_h * i / 4, 2), top * i // 4) for i in range(5)]
    return Chart(WIDTH, HEIGHT, LEFT, TOP + plot_h, bars, ticks)
