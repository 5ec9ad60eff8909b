"""Random anonymisation problems for the privacy tests: small tables, consistent hierarchies of
random shape, and policies mixing k, distinct-l, entropy-l, t-closeness and suppression.

Hierarchies are drawn level by level: each level maps the groups of the level below onto fewer
(or as many) groups, so they are consistent by construction; values a table never uses are
listed too, as in ARX's own hierarchies. Sensitive values are categorical or numeric (with
"10" before "2" as text, so the ordered distance must sort numerically).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st

from monetiot.domain.privacy import (
    T_DISTANCES,
    Hierarchy,
    Microdata,
    PreparedTable,
    PrivacyPolicy,
    hierarchy_from_rows,
    microdata,
    prepare,
)

CATEGORIES = ("flu", "cold", "asthma", "none")
NUMBERS = ("1", "2", "10", "3.5", "0")
L_ENTROPY = (Decimal(1), Decimal("1.5"), Decimal(2), Decimal("2.5"), Decimal(3))
T_VALUES = (Decimal(0), Decimal("0.1"), Decimal("0.2"), Decimal("0.25"), Decimal("0.3333"),
            Decimal("0.5"), Decimal(1))
SUPPRESSION = (Decimal(0), Decimal("0.05"), Decimal("0.1"), Decimal("0.15"), Decimal("0.2"),
               Decimal("0.25"), Decimal("0.3"), Decimal("0.5"), Decimal(1))


@st.composite
def hierarchies(draw: st.DrawFn, name: str) -> Hierarchy:
    size = draw(st.integers(1, 5))
    height = draw(st.integers(0, 3))
    group = list(range(size))
    paths = [[f"{name}.{v}"] for v in range(size)]
    groups = size
    for level in range(1, height + 1):
        coarser = draw(st.integers(1, groups))
        parent = [draw(st.integers(0, coarser - 1)) for _ in range(groups)]
        group = [parent[g] for g in group]
        for value in range(size):
            paths[value].append(f"{name}/{level}.{group[value]}")
        groups = coarser
    return hierarchy_from_rows(name, [(i + 1, p) for i, p in enumerate(paths)], f"h_{name}.csv")


@st.composite
def problems(draw: st.DrawFn, max_rows: int = 30, max_qis: int = 3,
             with_models: bool = True) -> tuple[Microdata, dict[str, Hierarchy], PrivacyPolicy]:
    qis = tuple(f"q{i}" for i in range(draw(st.integers(1, max_qis))))
    chosen = {name: draw(hierarchies(name)) for name in qis}
    sensitive_values = draw(st.sampled_from((CATEGORIES, NUMBERS)))
    sensitive_values = sensitive_values[:draw(st.integers(1, len(sensitive_values)))]
    rows = draw(st.lists(
        st.tuples(*(st.sampled_from(sorted(chosen[q].paths)) for q in qis),
                  st.sampled_from(sensitive_values)),
        min_size=1, max_size=max_rows))
    n = len(rows)
    table = microdata((*qis, "s"), rows, "table.csv")
    policy = PrivacyPolicy(
        qis=qis,
        k=draw(st.integers(1, min(4, n))),
        sensitive="s",
        l_distinct=draw(st.none() | st.integers(1, min(3, n))) if with_models else None,
        l_entropy=draw(st.none() | st.sampled_from([x for x in L_ENTROPY if x <= n]))
        if with_models else None,
        t=draw(st.none() | st.sampled_from(T_VALUES)) if with_models else None,
        t_distance=draw(st.sampled_from(T_DISTANCES)),
        suppression=draw(st.sampled_from(SUPPRESSION)))
    return table, chosen, policy


def prepared_problems(**options: int | bool) -> st.SearchStrategy[PreparedTable]:
    return problems(**options).map(lambda p: prepare(*p))  # type: ignore[arg-type]


def write_problem(directory: Path, table: Microdata, chosen: dict[str, Hierarchy]) -> Path:
    """The table and its hierarchies as ARX-style files; the table's path."""
    lines = [";".join(table.header), *(";".join(row) for row in table.rows)]
    data = directory / "table.csv"
    data.write_text("\n".join(lines) + "\n")
    for name, hierarchy in chosen.items():
        text = "\n".join(";".join(path) for path in hierarchy.paths.values())
        (directory / f"random_hierarchy_{name}.csv").write_text(text + "\n")
    return data
