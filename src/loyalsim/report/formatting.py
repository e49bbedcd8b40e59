"""The one place that names KPIs and prints numbers: money, shares, percentage points,
counts, p-values and intervals, for the console tables, the report and its narrative.

Labels, units and directions come from the KPI catalogue (:mod:`loyalsim.metrics.catalogue`)
through :func:`label`, :func:`unit` and :func:`better`.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from numbers import Real
from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:
    import pandas as pd

    from loyalsim.engine.hooks import Kpi

_UNITS = {"share": "pct", "money": "money", "points": "points", "count": "count", "days": "count"}
"""Catalogue unit -> display kind (days print as whole numbers; ratios and attachment as plain
numbers)."""


def _definition(key: str) -> Kpi | None:
    from loyalsim.metrics.catalogue import lookup

    return lookup(key)


def unit(key: str) -> str:
    """``pct``, ``money``, ``points``, ``count`` or ``number``: the catalogue's unit, or for a
    key it does not know (an objective's expression, say) a guess from the key's ending."""
    found = _definition(key)
    if found is not None:
        return _UNITS.get(found.unit, "number")
    if key.endswith(("_rate", "_share", "_pct")):
        return "pct"
    if key.endswith(("_cost", "_income", "_revenue", "_profit", "_margin")):
        return "money"
    if key.startswith("points_"):
        return "points"
    return "number"


def label(key: str) -> str:
    """A reader's name for a KPI key: the catalogue's label (the key itself, tidied, when the
    catalogue does not know it); a repeatable mechanic's ``key.<instance>`` names the
    instance in brackets."""
    found = _definition(key)
    if found is None:
        return key.replace("_", " ").capitalize()
    if found.unit == "days" and "day" not in found.label.lower():
        found = replace(found, label=f"{found.label} (days)")
    if key == found.key:
        return found.label
    head = found.key.removesuffix(".*")
    return f"{found.label} ({key.removeprefix(head).lstrip('.')})"


def better(key: str) -> int:
    """+1 if higher is usually wanted, -1 if lower is, 0 if the KPI carries no judgement."""
    found = _definition(key)
    direction = found.better if found is not None else "neither"
    return 1 if direction == "higher" else -1 if direction == "lower" else 0


def missing(value: object) -> bool:
    """None or NaN."""
    return value is None or (isinstance(value, Real) and math.isnan(value))


def numbers(rows: pd.DataFrame, index: tuple[str, ...] | str) -> dict[str, float]:
    """One row of a table indexed by (variant, kpi) (or any index), each cell as a float
    (NaN where the cell is empty or not a number): what the formatting functions take."""
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
    """A KPI value for a table cell: ``58.51%``, ``102,962 USD``, ``15,672 points`` (a value
    that rounds to zero prints without a minus sign)."""
    if not known(value):
        return "n/a"
    sign = "+" if signed else ""
    kind = unit(key)
    if kind == "pct":
        return f"{100 * value:{sign}z.2f}%"
    if kind == "money":
        return f"{value:{sign}z,.0f} {currency}".rstrip()
    if kind in {"points", "count"}:
        return f"{value:{sign}z,.0f}"
    return f"{value:{sign}z.4g}"


def fmt_diff(value: float | None, key: str, currency: str = "", signed: bool = True) -> str:
    """A difference: percentage points for rates, otherwise like :func:`fmt`."""
    if not known(value):
        return "n/a"
    if unit(key) == "pct":
        sign = "+" if signed else ""
        return f"{100 * value:{sign}z.2f} pp"
    return fmt(value, key, currency, signed=signed)


def fmt_interval(lo: float | None, hi: float | None, key: str, currency: str = "") -> str:
    """``56.21% – 60.81%``; money names its currency once: ``4,392 – 4,955 USD``."""
    if missing(lo) or missing(hi):
        return "n/a"
    low = fmt(lo, key, currency)
    if unit(key) == "money" and currency:
        low = low.removesuffix(f" {currency}")
    return f"{low} – {fmt(hi, key, currency)}"


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


def param_words(path: str) -> str:
    """A searched parameter's dotted path in plain words:
    ``program.rewards.catalogue[0].points`` -> ``Rewards: catalogue item 1, points``."""
    parts = path.split(".")
    if parts[0] == "program" and len(parts) > 1:
        parts = parts[1:]
    head, rest = parts[0], parts[1:]

    def words(part: str) -> str:
        match = re.fullmatch(r"(\w+)\[(\d+)\]", part)
        if match:
            return f"{match.group(1).replace('_', ' ')} item {int(match.group(2)) + 1}"
        return part.replace("_", " ")

    text = words(head).capitalize()
    return f"{text}: {', '.join(words(p) for p in rest)}" if rest else text


def value_words(value: object) -> str:
    """A parameter's value in plain words: ``{'policy': 'inactivity', 'days': 180}`` ->
    ``inactivity, days 180``; floats to 4 significant digits; NaN as empty."""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    if isinstance(value, dict):
        head = [str(value[k]) for k in ("policy", "kind", "type") if k in value][:1]
        rest = [
            f"{str(k).replace('_', ' ')} {value_words(v)}"
            for k, v in value.items()
            if k not in ("policy", "kind", "type")
        ]
        return ", ".join(head + rest)
    if isinstance(value, list | tuple):
        return ", ".join(value_words(v) for v in value)
    return str(value)
