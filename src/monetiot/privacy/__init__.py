"""The privacy engine: anonymised records (exact lattice search, numpy) and differentially
private statistics (OpenDP), on top of the pure models in `monetiot.domain.privacy`.

Importing this package is cheap: numpy is imported when a search runs, OpenDP when a cost or a
statistic is computed. `reader` reads and writes ARX-style files; `anonymizer` is the entry point
for microdata (`anonymize`); `differential` prices and releases statistics; `search`,
`encoding`, `figures` and `class_checks` are the vectorised search behind `anonymize`.
See docs/data-products.md, section "Privacy engine".
"""

from monetiot.privacy.anonymizer import Anonymization, anonymize, anonymize_prepared
from monetiot.privacy.differential import (
    StatisticRelease,
    mechanism_cost,
    release_statistic,
    statistic_cost,
)
from monetiot.privacy.reader import hierarchy_files, read_hierarchies, read_table, write_table

__all__ = [
    "Anonymization",
    "StatisticRelease",
    "anonymize",
    "anonymize_prepared",
    "hierarchy_files",
    "mechanism_cost",
    "read_hierarchies",
    "read_table",
    "release_statistic",
    "statistic_cost",
    "write_table",
]
