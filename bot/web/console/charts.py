"""Small SVG charts drawn on the server (no JavaScript, no fonts to download, readable in any browser)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 28, 40
BLUE = "#2f5d9e"
GRID = "#e5e7eb"
INK = "#374151"
MUTED = "#5f6673"  # the console's --muted: 5.8:1 on white


def _scale(value: float, whole: bool) -> tuple[float, float]:
    """(axis maximum, tick step): at most five round steps (1, 2 or 5 × 10^k) covering `value`."""
    value = max(value, 1.0 if whole else 0.01)
    magnitude = 10 ** math.floor(math.log10(value / 5)) if value > 0 else 1
    for factor in (1, 2, 5, 10):
        step = magnitude * factor
        if whole:
            step = max(1.0, round(step))
        if value / step <= 5:
            return math.ceil(value / step - 1e-9) * step, step
    return value, value


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _frame(title: str, body: list[str], height: int = HEIGHT) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-label="{escape(title)}" class="chart" font-family="system-ui, sans-serif" font-size="11">'
            f"<title>{escape(title)}</title>"
            f'<text x="{LEFT}" y="16" font-size="13" font-weight="600" fill="{INK}">{escape(title)}</text>'
            + "".join(body) + "</svg>")


def _axis(top: float, step: float, unit: str) -> list[str]:
    parts = []
    plot_h = HEIGHT - TOP - BOTTOM
    ticks = round(top / step)
    for i in range(ticks + 1):
        y = TOP + plot_h - plot_h * i / ticks
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
                     f"{_fmt(step * i)}{escape(unit)}</text>")
    return parts


def _x_labels(labels: Sequence[str], x_of: list[float]) -> list[str]:
    every = max(1, -(-len(labels) // 8))
    last = len(labels) - 1  # counted from the end, so the latest day always has its label
    # The last label is right-aligned so it is not cut off at the chart's edge.
    return [f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="{"end" if i == last else "middle"}" '
            f'fill="{INK}">{escape(label)}</text>'
            for i, (label, x) in enumerate(zip(labels, x_of, strict=True)) if (last - i) % every == 0]


def bars(points: Sequence[tuple[str, float]], title: str, colour: str = BLUE, unit: str = "") -> str:
    """Vertical bars, one per label (e.g. per day)."""
    if not points:
        return empty(title)
    top, step = _scale(max(v for _, v in points), whole=not unit)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(points)
    body = _axis(top, step, unit)
    xs = []
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        x = LEFT + i * slot + slot * 0.15
        xs.append(LEFT + i * slot + slot / 2)
        body.append(f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                    f'fill="{colour}" rx="2"><title>{escape(label)}: {_fmt(value)}{escape(unit)}</title></rect>')
    body += _x_labels([p[0] for p in points], xs)
    return _frame(title, body)


def line(points: Sequence[tuple[str, float]], title: str, colour: str = "#b91c1c", unit: str = "") -> str:
    """A line with dots, one point per label."""
    if not points:
        return empty(title)
    top, tick = _scale(max(v for _, v in points), whole=not unit)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(points) - 1) if len(points) > 1 else 0
    coords = [(LEFT + i * step if len(points) > 1 else LEFT + plot_w / 2, TOP + plot_h - plot_h * v / top)
              for i, (_, v) in enumerate(points)]
    body = _axis(top, tick, unit)
    body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
    for (label, value), (x, y) in zip(points, coords, strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}">'
                    f"<title>{escape(label)}: {_fmt(value)}{escape(unit)}</title></circle>")
    body += _x_labels([p[0] for p in points], [c[0] for c in coords])
    return _frame(title, body)


def hbars(points: Sequence[tuple[str, float]], title: str, colour: str = BLUE) -> str:
    """Horizontal bars with their labels on the left (rankings)."""
    if not points:
        return empty(title)
    row, label_w = 22, 170
    height = TOP + row * len(points) + 10
    top = max(v for _, v in points) or 1
    plot_w = WIDTH - label_w - RIGHT - 50
    body = []
    for i, (label, value) in enumerate(points):
        y = TOP + i * row
        w = plot_w * value / top
        body.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" fill="{INK}">{escape(label)}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 4}" width="{max(w, 1):.1f}" height="{row - 8}" fill="{colour}" '
                    f'rx="2"><title>{escape(label)}: {_fmt(value)}</title></rect>')
        body.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" fill="{INK}">{_fmt(value)}</text>')
    return _frame(title, body, height)


def empty(title: str) -> str:
    """A placeholder chart saying there is no data yet."""
    return _frame(title, [f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="{MUTED}">'
                          "No data for this period yet.</text>"])
