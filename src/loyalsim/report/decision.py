"""The decision rules behind the Executive summary: materiality, significance over many KPIs,
and which design to recommend.

Materiality. A difference smaller than :func:`threshold` reads as "no material change", never
as a gain or a trade-off, however narrow its interval:

* shares and rates (retention, cost to revenue, breakage ...): ``MATERIAL_PP`` = 0.5
  percentage points;
* money: ``MATERIAL_SHARE`` = 1% of the reference design's revenue over the horizon (the scale
  of the business, so a profit change that is large against a small profit is still judged
  against what the shop turns over); when revenue is unknown, 1% of the KPI's own base value;
* counts, points and other numbers: 1% of the KPI's base value.

Significance. Each report judges many KPIs (and, in a comparison, many designs) at once, so a
difference counts as *clear* only when its 95% interval excludes zero **and** its
Benjamini-Hochberg adjusted p-value (:func:`loyalsim.metrics.stats.adjust_p` over every KPI
and design of the table) is below ``ALPHA`` = 0.05: at most 5% of the differences called clear are
expected to be noise.

Recommendation. The decision KPI is ``incremental_profit`` (profit against running no program
on the same customers). A design is recommended over the reference only with a clear and
material gain in it; a design whose incremental profit is below zero loses money against
running no program and is flagged as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeGuard

from loyalsim.report.formatting import known, unit

MATERIAL_PP = 0.005
MATERIAL_SHARE = 0.01
ALPHA = 0.05
DECISION_KPI = "incremental_profit"


def threshold(key: str, base_value: float | None, revenue: float | None = None) -> float:
    """The smallest difference in ``key`` that counts as material (see the module text)."""
    kind = unit(key)
    if kind == "pct":
        return MATERIAL_PP
    if kind == "money" and known(revenue) and revenue:
        return MATERIAL_SHARE * abs(revenue)
    if not known(base_value) or not base_value:
        return 0.0
    return MATERIAL_SHARE * abs(base_value)


def rule_text(currency: str = "") -> str:
    """The materiality and significance rules in one sentence, for the report's notes."""
    money = f" ({currency})" if currency else ""
    return (
        f"Differences smaller than {100 * MATERIAL_PP:.1f} pp for shares, or "
        f"{100 * MATERIAL_SHARE:.0f}% of revenue for money{money} and 1% of the base value "
        "for counts, read as no material change. A difference is clear when its 95% interval "
        "excludes zero and its p-value, adjusted for the number of KPIs and designs compared "
        f"(Benjamini-Hochberg), is below {ALPHA:g}."
    )


def loses_money(incremental_profit: float | None) -> TypeGuard[float]:
    """Worse than running no program at all (a known, negative number)."""
    return known(incremental_profit) and incremental_profit < 0


def best_design(gains: Mapping[str, tuple[float, bool]]) -> str | None:
    """The design with the largest decision-KPI gain among those whose gain is clear and
    material (``name -> (gain, clear_and_material)``); None when no design qualifies."""
    qualified = {n: g for n, (g, ok) in gains.items() if ok and g > 0}
    return max(qualified, key=lambda n: qualified[n]) if qualified else None
