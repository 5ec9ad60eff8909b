"""A table bound to its hierarchies and release policy, checked before any search.

`prepare` is the one gate between user input and the anonymisation engine: afterwards every
quasi-identifier is a column of the table with a hierarchy, every value of every quasi-identifier
is in its hierarchy, the sensitive attribute (if any) is a column, the table is not empty and a
class can be as large as the policy needs (k is not larger than the table). Each failure is one
line naming the field, the file and row, or the hierarchy file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from monetiot.domain.errors import InvalidInput
from monetiot.domain.privacy.hierarchy import Hierarchy
from monetiot.domain.privacy.lattice import Lattice, lattice
from monetiot.domain.privacy.models import (
    ClassModels,
    SensitiveDistribution,
    sensitive_distribution,
)
from monetiot.domain.privacy.policy import PrivacyPolicy
from monetiot.domain.privacy.table import Microdata


@dataclass(frozen=True)
class PreparedTable:
    table: Microdata
    policy: PrivacyPolicy
    hierarchies: tuple[Hierarchy, ...]  # one per quasi-identifier, in `policy.qis` order
    qi_columns: tuple[int, ...]
    sensitive_column: int | None
    reference: SensitiveDistribution | None  # the whole table's sensitive distribution
    models: ClassModels
    lattice: Lattice

    @property
    def rows(self) -> int:
        return len(self.table)

    @property
    def max_suppressed(self) -> int:
        return self.policy.max_suppressed(self.rows)


def prepare(table: Microdata, hierarchies: Mapping[str, Hierarchy],
            policy: PrivacyPolicy) -> PreparedTable:
    qi_columns = tuple(table.index(name, "qi") for name in policy.qis)
    chosen = []
    for name in policy.qis:
        if name not in hierarchies:
            raise InvalidInput(f"no hierarchy for the quasi-identifier '{name}' (a file named "
                               f"*hierarchy_{name}.csv)", field="hierarchies")
        chosen.append(hierarchies[name])
    sensitive_column = None
    if policy.sensitive is not None:
        sensitive_column = table.index(policy.sensitive, "sensitive")
    if not table.rows:
        raise InvalidInput(f"{table.source}: the table has no records")
    _check_values(table, qi_columns, chosen)
    _check_sizes(table, policy)
    reference = None
    if sensitive_column is not None:
        reference = sensitive_distribution(row[sensitive_column] for row in table.rows)
    ordered = policy.t_distance == "ordered" or (
        policy.t_distance == "auto" and reference is not None and reference.numeric)
    models = ClassModels(
        l_distinct=policy.l_distinct,
        l_entropy=None if policy.l_entropy is None else Fraction(policy.l_entropy),
        t=None if policy.t is None else Fraction(policy.t),
        ordered=ordered)
    return PreparedTable(table, policy, tuple(chosen), qi_columns, sensitive_column, reference,
                         models, lattice(tuple(h.height for h in chosen)))


def _check_values(table: Microdata, columns: tuple[int, ...],
                  hierarchies: list[Hierarchy]) -> None:
    for column, hierarchy in zip(columns, hierarchies, strict=True):
        paths = hierarchy.paths
        for i, row in enumerate(table.rows):
            if row[column] not in paths:
                raise InvalidInput(
                    f"{table.where(i)}: field '{hierarchy.attribute}': value '{row[column]}' is "
                    f"not in the hierarchy {hierarchy.source}")


def _check_sizes(table: Microdata, policy: PrivacyPolicy) -> None:
    rows = len(table)
    if policy.k > rows:
        raise InvalidInput(f"k = {policy.k} is larger than the table ({rows} records)",
                           field="k")
    for field, needed in (("l_distinct", policy.l_distinct), ("l_entropy", policy.l_entropy)):
        if needed is not None and needed > rows:
            raise InvalidInput(f"l = {needed} needs classes of at least {needed} records; the "
                               f"table has {rows}", field=field)
