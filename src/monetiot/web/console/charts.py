"""Charts as server-rendered SVG: bar charts (grouped or stacked) and line charts.

Every chart is plain markup that needs no script: a `<title>` and `aria-label` name it; axes
carry tick labels; every bar or point carries its exact value in `data-value` and a `<title>`
tooltip; small charts print their values as text; and a table of all the numbers follows in a
`<details>` element, for screen readers and for anyone who wants the digits. Geometry is
computed with `Decimal` (the values are money and exact quantities; no float touches them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from html import escape

from markupsafe import Markup

from monetiot.web.console.formatting import exact, number

PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#0ea5e9", "#84cc16",
           "#ec4899", "#64748b", "#14b8a6")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 72, 16, 20, 44
_PX = Decimal("0.1")
MAX_VALUE_LABELS = 16  # more bars than this: values only in tooltips and the table
MAX_X_LABELS = 12
Format = Callable[[Decimal | None], str]  # how values read: quantities, or money


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | None]


def _px(value: Decimal) -> str:
    return str(value.quantize(_PX, rounding=ROUND_HALF_UP))


def nice_step(span: Decimal, ticks: int = 4) -> Decimal:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about `ticks` ticks."""
    if span <= 0:
        return Decimal(1)
    raw = span / ticks
    base = Decimal(1).scaleb(raw.adjusted())
    for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if base * m >= raw:
            return base * m
    return base * 10


@dataclass(frozen=True)
class _Scale:
    low: Decimal
    high: Decimal
    step: Decimal

    @classmethod
    def of(cls, values: Sequence[Decimal]) -> _Scale:
        top = max([Decimal(0), *values])
        bottom = min([Decimal(0), *values])
        step = nice_step(top - bottom)
        high = (top / step).to_integral_value(rounding=ROUND_CEILING) * step
        low = -((-bottom / step).to_integral_value(rounding=ROUND_CEILING) * step)
        if high == low:
            high = low + step
        return cls(low, high, step)

    def ticks(self) -> list[Decimal]:
        out, at = [], self.low
        while at <= self.high:
            out.append(at)
            at += self.step
        return out

    def y(self, value: Decimal) -> Decimal:
        plot = Decimal(HEIGHT - TOP - BOTTOM)
        return TOP + (self.high - value) / (self.high - self.low) * plot


def _frame(title: str, scale: _Scale, categories: Sequence[str], unit: str, kind: str,
           width: int) -> list[str]:
    label = f"{title} ({unit})" if unit else title
    out = [f'<svg class="chart" viewBox="0 0 {width} {HEIGHT}" role="img" '
           f'aria-label="{escape(label)}" data-chart="{kind}" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{escape(label)}</title>"]
    for tick in scale.ticks():
        y = _px(scale.y(tick))
        out.append(f'<line class="grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{y}" y2="{y}" '
                   f'stroke="#e5e7eb"/>')
        out.append(f'<text class="tick" x="{LEFT - 6}" y="{y}" text-anchor="end" '
                   f'dominant-baseline="middle" font-size="11" fill="#6b7280">'
                   f"{escape(number(tick))}</text>")
    zero = _px(scale.y(Decimal(0)))
    out.append(f'<line class="axis" x1="{LEFT}" x2="{width - RIGHT}" y1="{zero}" y2="{zero}" '
               f'stroke="#9ca3af"/>')
    out.append(f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
               f'stroke="#9ca3af"/>')
    if unit:
        out.append(f'<text class="unit" x="4" y="{TOP - 6}" font-size="11" fill="#6b7280">'
                   f"{escape(unit)}</text>")
    every = max(1, -(-len(categories) // (MAX_X_LABELS * width // WIDTH)))
    for i, name in enumerate(categories):
        if i % every:
            continue
        x = _px(_slot_center(i, len(categories), width))
        out.append(f'<text class="category" x="{x}" y="{HEIGHT - BOTTOM + 16}" '
                   f'text-anchor="middle" font-size="11" fill="#374151">{escape(name)}</text>')
    return out


def _slot_width(n: int, width: int) -> Decimal:
    return Decimal(width - LEFT - RIGHT) / max(n, 1)


def _slot_center(i: int, n: int, width: int) -> Decimal:
    return LEFT + _slot_width(n, width) * i + _slot_width(n, width) / 2


def _labels_fit(texts: Sequence[str], room: Decimal) -> bool:
    """Whether value labels of 10px text (about 6px a character) fit in `room` pixels."""
    return len(texts) <= MAX_VALUE_LABELS * 3 and all(len(t) * 6 <= room for t in texts)


def _legend(series: Sequence[Series]) -> str:
    if len(series) < 2:
        return ""
    items = "".join(
        f'<li><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" '
        f'fill="{PALETTE[i % len(PALETTE)]}"/></svg> {escape(s.name)}</li>'
        for i, s in enumerate(series))
    return f'<ul class="legend">{items}</ul>'


def _table(title: str, categories: Sequence[str], series: Sequence[Series], unit: str,
           totals: bool, fmt: Format) -> str:
    head = "".join(f"<th scope=\"col\">{escape(s.name)}</th>" for s in series)
    if totals and len(series) > 1:
        head += '<th scope="col">total</th>'
    rows = []
    for i, name in enumerate(categories):
        cells = "".join(f'<td class="num" data-value="{exact(s.values[i])}">'
                        f"{escape(fmt(s.values[i]))}</td>" for s in series)
        if totals and len(series) > 1:
            total = sum((s.values[i] or Decimal(0) for s in series), Decimal(0))
            cells += f'<td class="num" data-value="{exact(total)}">{escape(fmt(total))}</td>'
        rows.append(f'<tr><th scope="row">{escape(name)}</th>{cells}</tr>')
    caption = f"{title} ({unit})" if unit else title
    return (f'<details class="numbers"><summary>Numbers</summary><table class="data">'
            f"<caption>{escape(caption)}</caption><thead><tr><th></th>{head}</tr></thead>"
            f'<tbody>{"".join(rows)}</tbody></table></details>')


def _figure(chart_id: str, svg: list[str], legend: str, table: str) -> Markup:
    return Markup(f'<figure class="chart-figure" id="{escape(chart_id)}">'
                  f'{"".join(svg)}</svg>{legend}{table}</figure>')


def _empty(categories: Sequence[str], series: Sequence[Series]) -> bool:
    return not categories or all(v is None for s in series for v in s.values)


def _nothing(chart_id: str, title: str) -> Markup:
    return Markup(f'<figure class="chart-figure" id="{escape(chart_id)}">'
                  f'<p class="empty">{escape(title)}: no data yet.</p></figure>')


def bar_chart(chart_id: str, title: str, categories: Sequence[str], series: Sequence[Series],
              *, unit: str = "", stacked: bool = False, width: int = WIDTH,
              fmt: Format = number) -> Markup:
    """Bars per category: one per series side by side, or stacked into one."""
    if _empty(categories, series):
        return _nothing(chart_id, title)
    n = len(categories)
    if stacked:
        sums = [sum((s.values[i] or Decimal(0) for s in series), Decimal(0)) for i in range(n)]
        scale = _Scale.of(sums)
    else:
        scale = _Scale.of([v for s in series for v in s.values if v is not None])
    svg = _frame(title, scale, categories, unit, "bar", width)
    slot = _slot_width(n, width)
    group = slot * Decimal("0.7")
    if stacked:
        texts = [fmt(sum((s.values[i] or Decimal(0) for s in series), Decimal(0)))
                 for i in range(n)]
        labels = _labels_fit(texts, slot)
    else:
        texts = [fmt(v) for s in series for v in s.values if v is not None]
        labels = _labels_fit(texts, slot / len(series))
    for i, category in enumerate(categories):
        x0 = LEFT + slot * i + (slot - group) / 2
        base = Decimal(0)
        for k, s in enumerate(series):
            value = s.values[i]
            if value is None:
                continue
            color = PALETTE[k % len(PALETTE)]
            if stacked:
                x, w = x0, group
                lo, hi = base, base + value
                base = hi
            else:
                w = group / len(series)
                x = x0 + w * k
                lo, hi = min(Decimal(0), value), max(Decimal(0), value)
            y_top, y_bottom = scale.y(hi), scale.y(lo)
            tip = f"{s.name}, {category}: {fmt(value)}" if len(series) > 1 else \
                f"{category}: {fmt(value)}"
            svg.append(f'<rect class="bar" x="{_px(x)}" y="{_px(y_top)}" width="{_px(w)}" '
                       f'height="{_px(y_bottom - y_top)}" fill="{color}" '
                       f'data-series="{escape(s.name)}" data-category="{escape(category)}" '
                       f'data-value="{exact(value)}"><title>{escape(tip)}</title></rect>')
            if labels and not stacked:
                svg.append(f'<text class="value" x="{_px(x + w / 2)}" y="{_px(y_top - 4)}" '
                           f'text-anchor="middle" font-size="10" fill="#111827">'
                           f"{escape(fmt(value))}</text>")
        if labels and stacked and base:
            svg.append(f'<text class="value total" x="{_px(x0 + group / 2)}" '
                       f'y="{_px(scale.y(base) - 4)}" text-anchor="middle" font-size="10" '
                       f'fill="#111827" data-category="{escape(category)}" '
                       f'data-value="{exact(base)}">{escape(fmt(base))}</text>')
    return _figure(chart_id, svg, _legend(series), _table(title, categories, series, unit,
                                                          stacked, fmt))


def line_chart(chart_id: str, title: str, categories: Sequence[str], series: Sequence[Series],
               *, unit: str = "", width: int = WIDTH, fmt: Format = number) -> Markup:
    """One line per series across the categories (gaps where a value is None)."""
    if _empty(categories, series):
        return _nothing(chart_id, title)
    scale = _Scale.of([v for s in series for v in s.values if v is not None])
    svg = _frame(title, scale, categories, unit, "line", width)
    n = len(categories)
    labels = len(series) == 1 and _labels_fit(
        [fmt(v) for v in series[0].values if v is not None], _slot_width(n, width))
    for k, s in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        points = [(_slot_center(i, n, width), scale.y(v), categories[i], v)
                  for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{_px(x)},{_px(y)}" for x, y, _, _ in points)
            svg.append(f'<polyline class="line" points="{path}" fill="none" stroke="{color}" '
                       f'stroke-width="2" data-series="{escape(s.name)}"/>')
        for x, y, category, value in points:
            tip = f"{s.name}, {category}: {fmt(value)}"
            svg.append(f'<circle class="point" cx="{_px(x)}" cy="{_px(y)}" r="3.5" '
                       f'fill="{color}" data-series="{escape(s.name)}" '
                       f'data-category="{escape(category)}" data-value="{exact(value)}">'
                       f"<title>{escape(tip)}</title></circle>")
            if labels:
                svg.append(f'<text class="value" x="{_px(x)}" y="{_px(y - 8)}" '
                           f'text-anchor="middle" font-size="10" fill="#111827">'
                           f"{escape(fmt(value))}</text>")
    return _figure(chart_id, svg, _legend(series), _table(title, categories, series, unit,
                                                          False, fmt))
