"""Privacy models, pure: what an anonymised table or a private statistic must satisfy.

`hierarchy`, `table`, `policy` and `prepared` describe an anonymisation request and check it;
`models` decides k / l / t on one equivalence class, exactly; `lattice` holds the generalisation
lattice and the order of candidates; `evaluation` is the reference semantics of one
transformation (the vectorised search in `monetiot.privacy` must agree with it); `ledger`
accounts privacy budgets; `statistics` describes a differentially private query and bounds each
owner's contribution. Standard library only: numpy and OpenDP live in `monetiot.privacy`.
"""

from monetiot.domain.privacy.evaluation import (
    NodeEvaluation,
    brute_force,
    evaluate,
    group,
    kept_classes,
    release,
)
from monetiot.domain.privacy.hierarchy import Hierarchy, NumberedRow, hierarchy_from_rows
from monetiot.domain.privacy.lattice import Lattice, Node, generalises, lattice, rank
from monetiot.domain.privacy.ledger import (
    MECHANISMS,
    BudgetExceeded,
    BudgetScope,
    LedgerBalance,
    LedgerEntry,
    PrivacyBudget,
    PrivacyCost,
    PrivacyLedger,
    authorize,
    scopes,
)
from monetiot.domain.privacy.models import (
    ClassModels,
    SensitiveDistribution,
    distinct_values,
    emd,
    emd_equal,
    emd_ordered,
    entropy,
    entropy_l_holds,
    sensitive_distribution,
)
from monetiot.domain.privacy.policy import T_DISTANCES, PrivacyPolicy
from monetiot.domain.privacy.prepared import PreparedTable, prepare
from monetiot.domain.privacy.statistics import (
    KINDS,
    BoundedRecords,
    ContributionBounds,
    OwnerRecord,
    StatisticQuery,
    bound_contributions,
    check_delta,
)
from monetiot.domain.privacy.table import Microdata, microdata

__all__ = [
    "KINDS",
    "MECHANISMS",
    "T_DISTANCES",
    "BoundedRecords",
    "BudgetExceeded",
    "BudgetScope",
    "ClassModels",
    "ContributionBounds",
    "Hierarchy",
    "Lattice",
    "LedgerBalance",
    "LedgerEntry",
    "Microdata",
    "Node",
    "NodeEvaluation",
    "NumberedRow",
    "OwnerRecord",
    "PreparedTable",
    "PrivacyBudget",
    "PrivacyCost",
    "PrivacyLedger",
    "PrivacyPolicy",
    "SensitiveDistribution",
    "StatisticQuery",
    "authorize",
    "bound_contributions",
    "brute_force",
    "check_delta",
    "distinct_values",
    "emd",
    "emd_equal",
    "emd_ordered",
    "entropy",
    "entropy_l_holds",
    "evaluate",
    "generalises",
    "group",
    "hierarchy_from_rows",
    "kept_classes",
    "lattice",
    "microdata",
    "prepare",
    "rank",
    "release",
    "scopes",
    "sensitive_distribution",
]
