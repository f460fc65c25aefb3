"""Server-side SVG charts for the dashboard: geometry only, drawn by the template's macros.

Drawn on the server so the charts need no script, print as they look and can be checked
by a test that reads the page; every chart's numbers are also offered as CSV/JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 40
COLOURS = ("#1d4ed8", "#059669", "#d97706", "#dc2626", "#7c3aed")


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[dict] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)
    line: str = ""
    xlabels: list[dict] = field(default_factory=list)
    ylabels: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)


def _plot() -> tuple[float, float]:
    return WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def _y_axis(chart: Chart, top: float, fmt: str) -> None:
    _, h = _plot()
    for i in range(5):
        value = top * i / 4
        chart.ylabels.append({"y": TOP + h - h * i / 4, "text": fmt.format(value)})


def _x_labels(chart: Chart, labels: list[str], step: float) -> None:
    every = max(1, len(labels) // 8)
    for i, text in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            chart.xlabels.append({"x": LEFT + step * (i + 0.5), "text": text})


def stacked_bars(labels: list[str], series: dict[str, list[int]]) -> Chart:
    """One bar per label, stacked by series (volume by channel, backlog by agency)."""
    chart = Chart()
    w, h = _plot()
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = max([*totals, 1])
    top = _nice(top)
    step = w / max(len(labels), 1)
    for i, label in enumerate(labels):
        base = 0
        for k, (name, values) in enumerate(series.items()):
            value = values[i]
            if value:
                height = h * value / top
                chart.bars.append(
                    {
                        "x": LEFT + step * i + step * 0.15,
                        "y": TOP + h - h * (base + value) / top,
                        "w": step * 0.7,
                        "h": height,
                        "fill": COLOURS[k % len(COLOURS)],
                        "title": f"{label} · {name}: {value}",
                    }
                )
            base += value
    chart.legend = [
        {"name": name, "fill": COLOURS[k % len(COLOURS)]} for k, name in enumerate(series)
    ]
    _y_axis(chart, top, "{:.0f}")
    _x_labels(chart, labels, step)
    return chart


def rate_line(labels: list[str], rates: list[float | None]) -> Chart:
    """A 0–100 % line (on-time rate); periods with nothing settled leave a gap-free skip."""
    chart = Chart()
    w, h = _plot()
    step = w / max(len(labels), 1)
    coords = []
    for i, (label, rate) in enumerate(zip(labels, rates, strict=True)):
        if rate is None:
            continue
        x, y = LEFT + step * (i + 0.5), TOP + h - h * rate
        coords.append(f"{x:.1f},{y:.1f}")
        chart.points.append({"x": x, "y": y, "title": f"{label}: {100 * rate:.1f}%"})
    chart.line = " ".join(coords)
    _y_axis(chart, 100, "{:.0f}%")
    _x_labels(chart, labels, step)
    return chart


def _nice(value: float) -> float:
    """Round an axis maximum up to 1, 2 or 5 times a power of ten."""
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= value:
            return factor * magnitude
    return 10 * magnitude
