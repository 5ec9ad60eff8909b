"""Charts as inline SVG, drawn here: a line chart of series over months, and a tornado.

Self-contained markup (no script, no external font or stylesheet), readable without
JavaScript, with a <title> and an aria-label for screen readers. Values are exact decimals and
so are the coordinates (pixels to one decimal place): no binary float anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#7f7f7f", "#bcbd22")
LOW_COLOUR, HIGH_COLOUR = "#d62728", "#2ca02c"
_PX = Decimal("0.1")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Decimal]


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def px(value: Decimal) -> str:
    return format(value.quantize(_PX, rounding=ROUND_HALF_UP) + 0, "f")


def nice_ticks(low: Decimal, high: Decimal, count: int = 5) -> list[Decimal]:
    """Round tick values (1, 2 or 5 x 10^n apart) covering [low, high], zero included."""
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if high == low:
        high = low + 1
    raw = (high - low) / count
    base = Decimal(1).scaleb(raw.adjusted())
    step = next(base * m for m in (1, 2, 5, 10) if base * m >= raw)
    first = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    ticks = [first]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return ticks


def label(value: Decimal) -> str:
    """A tick label: thousands as k, millions as M."""
    for limit, suffix in ((Decimal(1_000_000), "M"), (Decimal(1000), "k")):
        if abs(value) >= limit:
            return format((value / limit).normalize(), "f") + suffix
    return format(value.normalize(), "f")


def line_chart(title: str, series: Sequence[Series], *, width: int = 760, height: int = 340,
               x_label: str = "month") -> str:
    """Lines over months 1..N, a zero line, and a legend under the plot."""
    left, right, top, bottom = 70, 20, 30, 40
    legend_rows = (len(series) + 2) // 3
    total_height = height + legend_rows * 20 + 10
    months = max((len(s.values) for s in series), default=1)
    values = [v for s in series for v in s.values] or [Decimal(0)]
    ticks = nice_ticks(min(values), max(values))
    y_low, y_high = ticks[0], ticks[-1]
    plot_w, plot_h = Decimal(width - left - right), Decimal(height - top - bottom)

    def x(month: int) -> Decimal:
        return left + plot_w * (month - 1) / max(months - 1, 1)

    def y(value: Decimal) -> Decimal:
        return top + plot_h * (y_high - value) / (y_high - y_low)

    out = [_open(width, total_height, title)]
    for tick in ticks:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{px(y(tick))}" '
                   f'y2="{px(y(tick))}" stroke="{"#000" if tick == 0 else "#ddd"}" '
                   f'stroke-width="{"1.2" if tick == 0 else "1"}"/>')
        out.append(f'<text x="{left - 6}" y="{px(y(tick) + 4)}" text-anchor="end">'
                   f'{escape(label(tick))}</text>')
    step = 6 if months > 12 else 1
    for month in range(1, months + 1):
        if month == 1 or month % step == 0:
            out.append(f'<text x="{px(x(month))}" y="{height - bottom + 16}" '
                       f'text-anchor="middle">{month}</text>')
    out.append(f'<text x="{left + int(plot_w) // 2}" y="{height - 6}" '
               f'text-anchor="middle">{escape(x_label)}</text>')
    for index, s in enumerate(series):
        points = " ".join(f"{px(x(m))},{px(y(v))}" for m, v in enumerate(s.values, 1))
        out.append(f'<polyline fill="none" stroke="{colour(index)}" stroke-width="2" '
                   f'points="{points}"><title>{escape(s.label)}</title></polyline>')
    for index, s in enumerate(series):
        lx, ly = left + (index % 3) * 230, height + 10 + (index // 3) * 20
        out.append(f'<rect x="{lx}" y="{ly}" width="14" height="4" fill="{colour(index)}"/>')
        out.append(f'<text x="{lx + 20}" y="{ly + 6}">{escape(s.label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


@dataclass(frozen=True)
class Bar:
    label: str
    low: Decimal  # the value when the input is 20 % lower
    high: Decimal  # ... and 20 % higher


def tornado_chart(title: str, base: Decimal, bars: Sequence[Bar], *, width: int = 760) -> str:
    """One row per input: a bar from the base to the value at -20 % (red) and at +20 %
    (green), widest first as given; a vertical line at the base."""
    left, right, top, row = 250, 30, 30, 24
    height = top + row * len(bars) + 40
    values = [base] + [v for b in bars for v in (b.low, b.high)]
    ticks = nice_ticks(min(values), max(values), 4)
    lo, hi = ticks[0], ticks[-1]
    plot_w = Decimal(width - left - right)

    def x(value: Decimal) -> Decimal:
        return left + plot_w * (value - lo) / (hi - lo)

    out = [_open(width, height, title)]
    for tick in ticks:
        out.append(f'<line x1="{px(x(tick))}" x2="{px(x(tick))}" y1="{top - 6}" '
                   f'y2="{height - 34}" stroke="#ddd"/>')
        out.append(f'<text x="{px(x(tick))}" y="{height - 20}" text-anchor="middle">'
                   f'{escape(label(tick))}</text>')
    for index, bar in enumerate(bars):
        y = top + index * row
        out.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">'
                   f'{escape(bar.label)}</text>')
        for value, fill, name in ((bar.low, LOW_COLOUR, "-20 %"), (bar.high, HIGH_COLOUR,
                                                                    "+20 %")):
            start, end = sorted((x(base), x(value)))
            out.append(f'<rect x="{px(start)}" y="{y + 4}" width="{px(end - start)}" '
                       f'height="14" fill="{fill}" fill-opacity="0.75"><title>'
                       f'{escape(bar.label)} {name}: {escape(format(value, ",f"))}</title></rect>')
    out.append(f'<line x1="{px(x(base))}" x2="{px(x(base))}" y1="{top - 10}" '
               f'y2="{height - 34}" stroke="#000" stroke-width="1.5"/>')
    out.append(f'<text x="{left}" y="{height - 4}">red: input 20 % lower; green: 20 % higher'
               '</text>')
    out.append("</svg>")
    return "\n".join(out)


def _open(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-label="{escape(title)}" '
            f'font-family="sans-serif" font-size="12"><title>{escape(title)}</title>')
