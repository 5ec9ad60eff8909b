"""Reports rendered for people: self-contained HTML pages with inline SVG charts.

`reports.advisor.render(document)` is the revenue-model advisor's report; `reports.svg` draws
the charts. Rendering only: the figures come from the domain, nothing here computes them.
"""
