"""Report a reduced population at full scale (``population.represents``).

The engine simulates ``size`` customers, each standing for ``scale = represents / size``
real ones, with fixed costs and absolute capacities shrunk by ``scale`` (experiments/
simulate.py). Multiplying every total (money, counts, points) back by ``scale`` gives the
business at its real size, with fixed costs charged once; rates, shares, ratios and
per-customer KPIs are unchanged (docs/model.md §1c).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from loyalsim.metrics.catalogue import at_full_scale

SEGMENT_TOTALS = frozenset({"incremental_gross_margin"})
"""Per-segment totals that are not catalogue keys (they scale too)."""
NESTED_TOTALS = frozenset({"reward_cost_by_type", "tier_migration_counts"})
"""Nested KPIs whose every entry is a total."""


def scale_kpis(kpis: Mapping[str, float], scale: float) -> dict[str, float]:
    """Totals multiplied by ``scale``; everything else as it is."""
    return {k: v * scale if at_full_scale(k) or k in SEGMENT_TOTALS else v for k, v in kpis.items()}


def scale_groups(
    groups: Mapping[str, Mapping[str, float]], scale: float
) -> dict[str, dict[str, float]]:
    """:func:`scale_kpis` for each segment or customer group."""
    return {name: scale_kpis(kpis, scale) for name, kpis in groups.items()}


def scale_nested(structured: Mapping[str, Any], scale: float) -> dict[str, Any]:
    """Nested KPIs: entries of :data:`NESTED_TOTALS` multiplied, shares left alone."""
    return {k: _times(v, scale) if k in NESTED_TOTALS else v for k, v in structured.items()}


def _times(value: Any, scale: float) -> Any:
    if isinstance(value, Mapping):
        return {k: _times(v, scale) for k, v in value.items()}
    return value * scale


def scale_breakdown(table: Mapping[str, float], scale: float) -> dict[str, float]:
    """A breakdown of one total (reward cost by type, points by source) at full scale."""
    return {k: v * scale for k, v in table.items()}


def scale_frame(frame: pd.DataFrame, scale: float) -> pd.DataFrame:
    """Weekly or yearly rows with their total columns multiplied by ``scale``."""
    columns = {c: frame[c] * scale if at_full_scale(c) else frame[c] for c in frame.columns}
    return pd.DataFrame(columns, index=frame.index)
