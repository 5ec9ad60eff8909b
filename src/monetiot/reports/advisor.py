"""The advisor's report as one self-contained HTML page (`monetiot advise --html`, GET /advisor).

`render(document)` takes the advice document (`domain.advisor.advice_to_json`, numbers as
`Decimal` or as exact text read back from JSON) and writes: the recommendation and its reasons,
the ranked table, the cumulative cash flow of every model over the horizon, where each model
fails, the tornado of the winner's NPV with the sensitivity table, and each model's month by
month figures in a <details> block. No script, no external file: styles are inline in the page
and charts are SVG drawn by `reports.svg`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape
from typing import Any

from monetiot.reports.svg import Bar, Series, colour, line_chart, tornado_chart

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;
color:#222;line-height:1.45}
h1{margin-bottom:.2rem}.sub{color:#666;margin-top:0}
table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .55rem;text-align:right;vertical-align:top}
th:first-child,td:first-child,td.text,th.text{text-align:left}
thead th{background:#f4f4f4}
.winner{background:#eef7ee;border-left:4px solid #2ca02c;padding:.6rem 1rem}
.fail{color:#a11}.swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.35rem}
details{margin:.4rem 0}summary{cursor:pointer;font-weight:600}
code,pre{background:#f6f6f6}pre{padding:.6rem;overflow:auto;font-size:.85rem}
"""


def render(doc: Mapping[str, Any], title: str = "Revenue-model advisor") -> str:
    models: Sequence[Mapping[str, Any]] = doc["models"]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>", _subtitle(doc),
        _recommendation(doc),
        "<h2>Ranking</h2>", _ranking(doc, models),
        "<h2>Cumulative cash flow</h2>",
        "<p>Every model's cohort, month by month: what came in less running costs, hardware "
        "and acquisition, added up. Where a line crosses zero and stays above it, the model "
        "has broken even.</p>",
        line_chart(f"Cumulative cash flow ({doc['currency']})",
                   [Series(m["name"], [_d(x["cumulative"]) for x in m["months"]])
                    for m in models]),
        "<h2>Where each model fails</h2>", _failures(models),
        "<h2>Sensitivity</h2>", _sensitivity(doc, models),
        "<h2>Month by month</h2>", *(_details(m, doc["currency"]) for m in models),
        "<p class='sub'>How every figure is computed: docs/advisor.md. Money is rounded once "
        "per figure, half up, to the minor unit.</p>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _d(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _num(value: object) -> str:
    """A number with thousands separators; '-' for none."""
    if value is None:
        return "-"
    return format(_d(value), ",f")


def _subtitle(doc: Mapping[str, Any]) -> str:
    h = doc["history"]
    return (f"<p class='sub'>{h['profiles']} usage profiles ({escape(str(h['source']))}, "
            f"{h['from']} to {h['to']}), replayed over {doc['horizon_months']} months; "
            f"{_num(doc['prospects'])} prospects in the first month, "
            f"{_num(doc['prospects_per_month'])} a month after; discount rate "
            f"{_num(doc['discount_rate'])} a year; amounts in {escape(doc['currency'])}.</p>")


def _recommendation(doc: Mapping[str, Any]) -> str:
    rec = doc["recommendation"]
    items = "".join(f"<li>{escape(r)}</li>" for r in rec["reasons"])
    return (f"<div class='winner'><h2>Recommended: {escape(rec['name'])} "
            f"<small>({escape(rec['model'])})</small></h2><ul>{items}</ul></div>")


def _ranking(doc: Mapping[str, Any], models: Sequence[Mapping[str, Any]]) -> str:
    head = ("<th>#</th><th class='text'>model</th><th>NPV</th><th>break-even month</th>"
            "<th>margin / month</th><th>LTV</th><th>CAC</th><th>LTV/CAC</th>"
            "<th>CAC payback (months)</th><th>customer TCO</th><th>vs buying</th>"
            "<th>break-even price</th>")
    rows = []
    for i, m in enumerate(models):
        price = m["break_even_price"]
        be_price = ("-" if price is None else
                    f"{escape(price['price_point'])} {_num(price['break_even'])} "
                    f"(now {_num(price['now'])})")
        if price is None and m["break_even_price_factor"] is not None:
            be_price = f"x {_num(m['break_even_price_factor'])}"
        rows.append(
            f"<tr><td>{m['rank']}</td><td class='text'><span class='swatch' "
            f"style='background:{colour(i)}'></span>{escape(m['name'])} "
            f"<small>({escape(m['model'])})</small></td>"
            f"<td>{_num(m['npv'])}</td><td>{_num(m['break_even_month'])}</td>"
            f"<td>{_num(m['margin_per_month'])}</td><td>{_num(m['ltv'])}</td>"
            f"<td>{_num(m['cac'])}</td><td>{_num(m['ltv_to_cac'])}</td>"
            f"<td>{_num(m['cac_payback_months'])}</td><td>{_num(m['tco'])}</td>"
            f"<td>{_num(m['tco_vs_outright'])}</td><td>{be_price}</td></tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _failures(models: Sequence[Mapping[str, Any]]) -> str:
    out = []
    for m in models:
        items = "".join(f"<li class='fail'>{escape(f)}</li>" for f in m["failures"])
        out.append(f"<h3>{escape(m['name'])}</h3>"
                   + (f"<ul>{items}</ul>" if items else "<p>No failure found.</p>"))
    return "\n".join(out)


def _sensitivity(doc: Mapping[str, Any], models: Sequence[Mapping[str, Any]]) -> str:
    rows = doc["sensitivity"]
    if not rows:
        return "<p>No assumption to move.</p>"
    best = models[0]
    names = {m["id"]: m["name"] for m in models}
    chart = tornado_chart(
        f"NPV of {best['name']} with each assumption 20 % lower and higher",
        _d(best["npv"]),
        [Bar(r["label"], _d(r["low"][best["id"]]), _d(r["high"][best["id"]])) for r in rows
         if _d(r["low"][best["id"]]) != _d(r["high"][best["id"]])])
    body = "".join(
        f"<tr><td>{escape(r['label'])}</td><td>{_num(r['base'])}</td>"
        f"<td>{_num(r['low'][best['id']])}</td><td>{_num(r['high'][best['id']])}</td>"
        f"<td class='text'>{escape(names[r['winner_low']])}</td>"
        f"<td class='text'>{escape(names[r['winner_high']])}</td>"
        f"<td class='text'>{'yes' if r['moves_answer'] else 'no'}</td></tr>"
        for r in rows)
    table = ("<table><thead><tr><th class='text'>assumption</th><th>today</th>"
             f"<th>NPV at -20 %</th><th>NPV at +20 %</th><th class='text'>best at -20 %</th>"
             "<th class='text'>best at +20 %</th><th class='text'>moves the answer</th></tr>"
             f"</thead><tbody>{body}</tbody></table>")
    return (f"<p>The winner's NPV ({_num(best['npv'])}) when one assumption at a time is 20 % "
            "lower or higher, widest swing first (the chart leaves out what does not move it); "
            "and which model wins then.</p>"
            + chart + table)


def _details(m: Mapping[str, Any], currency: str) -> str:
    unit = m["typical_month"]
    parts = "".join(f"<tr><td>{escape(k.replace('_', ' '))}</td><td>{_num(v)}</td></tr>"
                    for k, v in unit.items())
    months = "".join(
        f"<tr><td>{x['month']}</td><td>{_num(x['customers'])}</td><td>{_num(x['revenue'])}</td>"
        f"<td>{_num(x['costs'])}</td><td>{_num(x['gross_margin'])}</td>"
        f"<td>{_num(x['acquisition'])}</td><td>{_num(x['cash_flow'])}</td>"
        f"<td>{_num(x['cumulative'])}</td></tr>" for x in m["months"])
    return (
        f"<details><summary>{escape(m['name'])}</summary>"
        f"<p>A customer's average month after the first ({escape(currency)}):</p>"
        f"<table><tbody>{parts}</tbody></table>"
        "<table><thead><tr><th>month</th><th>customers</th><th>revenue</th><th>costs</th>"
        "<th>gross margin</th><th>acquisition</th><th>cash flow</th><th>cumulative</th></tr>"
        f"</thead><tbody>{months}</tbody></table></details>")
