"""The one place that names KPIs and prints numbers: money, shares, percentage points,
counts, p-values and intervals, for the console tables, the report and its narrative.

Label, unit and direction lookups go through :func:`label`, :func:`unit` and :func:`better`
only, so a KPI catalogue can replace the tables below without touching any caller.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:
    import pandas as pd

PCT_KEYS = {
    "cost_to_revenue",
    "incremental_revenue_pct",
    "roi",
    "incremental_retention",
    "pays_back",
}
MONEY_KEYS = {
    "revenue",
    "control_revenue",
    "incremental_revenue",
    "gross_margin",
    "profit",
    "control_profit",
    "incremental_profit",
    "program_cost",
    "program_income",
    "liability",
    "deferred_revenue",
    "recognised_points_revenue",
    "incremental_profit_npv",
    "cumulative_incremental_profit",
    "discounted_incremental_profit",
}
COUNT_KEYS = {"customers", "members", "visits", "control_visits", "alive", "payback_days"}

LABELS = {
    "customers": "Customers",
    "retention_rate": "Retention",
    "control_retention_rate": "Retention, no program",
    "incremental_retention": "Incremental retention",
    "members": "Members (ever enrolled)",
    "enrolment_rate": "Enrolment rate",
    "active_member_rate": "Active member rate",
    "visits": "Visits",
    "revenue": "Revenue",
    "incremental_revenue": "Incremental revenue",
    "incremental_revenue_pct": "Incremental revenue, % of control",
    "gross_margin": "Gross margin",
    "program_cost": "Program cost",
    "program_income": "Program income",
    "reward_cost": "Reward cost",
    "operating_cost": "Operating cost",
    "profit": "Profit",
    "incremental_profit": "Incremental profit",
    "cost_to_revenue": "Cost to revenue",
    "roi": "ROI (incremental profit / program cost)",
    "points_issued": "Points issued",
    "points_redeemed": "Points redeemed",
    "points_expired": "Points expired",
    "points_outstanding": "Points outstanding",
    "breakage_rate": "Breakage",
    "good_breakage_share": "Good share of breakage",
    "bad_breakage_rate": "Bad breakage (engaged members)",
    "liability": "Points liability",
    "redemption_rate": "Redemption rate",
    "capture_rate": "Revenue captured by members",
    "engaged_member_share": "Engaged members",
    "gave_up_share": "Engaged members who gave up",
    "mean_attachment": "Mean attachment",
    "incremental_profit_npv": "Incremental profit, net present value",
    "payback_days": "Payback period (days)",
    "pays_back": "Pays back within the horizon",
}

BETTER_HIGHER = {
    "retention_rate",
    "incremental_retention",
    "enrolment_rate",
    "active_member_rate",
    "visits",
    "revenue",
    "incremental_revenue",
    "incremental_revenue_pct",
    "profit",
    "incremental_profit",
    "roi",
    "capture_rate",
    "mean_attachment",
    "redemption_rate",
    "program_income",
}
BETTER_LOWER = {
    "program_cost",
    "reward_cost",
    "operating_cost",
    "cost_to_revenue",
    "liability",
    "bad_breakage_rate",
    "gave_up_share",
}
"""Which way a KPI is usually wanted; KPIs in neither set are reported without judgement."""


def unit(key: str) -> str:
    """``pct``, ``money``, ``points``, ``count`` or ``number``."""
    if key in PCT_KEYS or key.endswith(("_rate", "_share")):
        return "pct"
    if key in MONEY_KEYS or key.endswith(("_cost", "_income")):
        return "money"
    if key.startswith("points_"):
        return "points"
    if key in COUNT_KEYS:
        return "count"
    return "number"


def label(key: str) -> str:
    """A reader's name for a KPI key (the key itself, tidied, when it has none)."""
    return LABELS.get(key, key.replace("_", " ").capitalize())


def better(key: str) -> int:
    """+1 if higher is usually wanted, -1 if lower is, 0 if the KPI carries no judgement."""
    return 1 if key in BETTER_HIGHER else -1 if key in BETTER_LOWER else 0


def missing(value: object) -> bool:
    """None or NaN."""
    return value is None or (isinstance(value, Real) and math.isnan(value))


def numbers(rows: pd.DataFrame, index: tuple[str, str]) -> dict[str, float]:
    """One row of a table indexed by (variant, kpi), each cell as a float (NaN where the
    cell is empty or not a number): what the formatting functions take."""
    out = {}
    for column, value in rows.loc[[index]].to_dict("records")[0].items():
        try:
            out[str(column)] = float(value)
        except (TypeError, ValueError):
            out[str(column)] = math.nan
    return out


def known(value: object) -> TypeGuard[float]:
    """A number that is neither None nor NaN (the opposite of :func:`missing`)."""
    return isinstance(value, Real) and not isinstance(value, bool) and not missing(value)


def fmt(value: float | None, key: str, currency: str = "", signed: bool = False) -> str:
    """A KPI value for a table cell: ``58.51%``, ``102,962 USD``, ``15,672 points``."""
    if not known(value):
        return "n/a"
    sign = "+" if signed else ""
    kind = unit(key)
    if kind == "pct":
        return f"{100 * value:{sign}.2f}%"
    if kind == "money":
        return f"{value:{sign},.0f} {currency}".rstrip()
    if kind in {"points", "count"}:
        return f"{value:{sign},.0f}"
    return f"{value:{sign}.4g}"


def fmt_diff(value: float | None, key: str, currency: str = "", signed: bool = True) -> str:
    """A difference: percentage points for rates, otherwise like :func:`fmt`."""
    if not known(value):
        return "n/a"
    if unit(key) == "pct":
        sign = "+" if signed else ""
        return f"{100 * value:{sign}.2f} pp"
    return fmt(value, key, currency, signed=signed)


def fmt_interval(lo: float | None, hi: float | None, key: str, currency: str = "") -> str:
    """``56.21% – 60.81%``."""
    if missing(lo) or missing(hi):
        return "n/a"
    return f"{fmt(lo, key, currency)} – {fmt(hi, key, currency)}"


def fmt_diff_interval(
    lo: float | None, hi: float | None, key: str, currency: str = "", compact: bool = False
) -> str:
    """``+0.80 pp – +1.60 pp``, or with ``compact`` the unit once: ``+0.80 – +1.60 pp``."""
    if missing(lo) or missing(hi):
        return "n/a"
    a, b = fmt_diff(lo, key, currency), fmt_diff(hi, key, currency)
    if compact:
        tail = " pp" if unit(key) == "pct" else f" {currency}" if unit(key) == "money" else ""
        if tail.strip():
            return f"{a.removesuffix(tail)} – {b}".rstrip()
    return f"{a} – {b}"


def fmt_share(value: float | None, digits: int = 1) -> str:
    """A share of a whole: ``0.1234`` -> ``12.3%``."""
    return f"{100 * value:.{digits}f}%" if known(value) else "n/a"


def fmt_pp(value: float | None, digits: int = 2, signed: bool = True) -> str:
    """A difference of two shares in percentage points: ``0.012`` -> ``+1.20 pp``."""
    if not known(value):
        return "n/a"
    return f"{100 * value:{'+' if signed else ''}.{digits}f} pp"


def fmt_money(value: float | None, currency: str = "", signed: bool = False) -> str:
    """``102,962 USD`` (whole units)."""
    return fmt(value, "revenue", currency, signed=signed)


def fmt_count(value: float | None) -> str:
    """``15,672``."""
    return "n/a" if missing(value) else f"{value:,.0f}"


def fmt_p(p: float | None) -> str:
    """A p-value as ``p=0.012``, or ``p<0.001`` when it rounds to zero; empty when unknown."""
    if not known(p):
        return ""
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def fmt_change(
    diff: float | None, lo: float | None, hi: float | None, key: str, currency: str = ""
) -> str:
    """A difference with its interval: ``+1.20 pp (+0.80 pp – +1.60 pp)``."""
    text = fmt_diff(diff, key, currency)
    if not (missing(lo) or missing(hi)):
        text += f" ({fmt_diff_interval(lo, hi, key, currency)})"
    return text
