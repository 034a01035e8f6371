"""Former home of the efficacy figures, split by concern (issue 12): tables in
`evidence.tables` (forest, pooling, medians, rates, design, lookups), figure builders in
`evidence.figures` (forest, medians, rates, design).

Kept only for `evidence.figures.survival`, which still imports its lookups from here; import
from `evidence.tables.lookups` and `evidence.tables.medians` instead, then delete this module.
"""

from evidence.tables.lookups import (  # noqa: F401
    MAIN_ANALYSES,
    arm_lookup,
    endpoint_label,
    lower_first,
    short_arm_label,
    trial_names,
    trial_order,
)
from evidence.tables.medians import whole_population_median_records, whole_population_medians  # noqa: F401
