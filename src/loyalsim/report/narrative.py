"""Plain-words findings generated from the numbers: effects with intervals and trade-offs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from loyalsim.report.decision import ALPHA
from loyalsim.report.formatting import (
    better,
    fmt,
    fmt_diff,
    fmt_p,
    label,
    missing,
)


@dataclass(frozen=True)
class Effect:
    """A difference in one KPI with its 95% interval (``lo``/``hi`` None when unknown), the
    smallest material difference (0: any) and the adjusted p-value (None: not adjusted)."""

    key: str
    diff: float
    lo: float | None = None
    hi: float | None = None
    threshold: float = 0.0
    q: float | None = None

    @property
    def clear(self) -> bool:
        """The interval excludes zero and the adjusted p-value (if any) is below ALPHA."""
        if missing(self.lo) or missing(self.hi):
            return False
        if not missing(self.q) and self.q >= ALPHA:  # type: ignore[operator]
            return False
        return self.lo > 0 or self.hi < 0  # type: ignore[operator]

    @property
    def material(self) -> bool:
        """At least as large as the materiality threshold."""
        return not missing(self.diff) and abs(self.diff) >= self.threshold

    @property
    def decisive(self) -> bool:
        """Clear and material: a real change worth acting on."""
        return self.clear and self.material


def paired_interval(a: Sequence[float | None], b: Sequence[float | None]) -> Effect | None:
    """Mean difference ``a - b`` over replications with a Student-t 95% interval."""
    pairs = [(x, y) for x, y in zip(a, b, strict=False) if not missing(x) and not missing(y)]
    if not pairs:
        return None
    d = np.array([x - y for x, y in pairs], dtype=float)
    mean = float(d.mean())
    if len(d) < 2:
        return Effect("", mean)
    half = float(stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d)))
    return Effect("", mean, mean - half, mean + half)


def wanted(key: str, directions: Mapping[str, str]) -> int:
    """+1 if higher is better, -1 if lower is better, 0 if the KPI carries no judgement."""
    direction = directions.get(key)
    if direction in {"maximize", "max"}:
        return 1
    if direction in {"minimize", "min"}:
        return -1
    return better(key)


def effect_phrase(e: Effect, currency: str) -> str:
    """``raises retention by 1.20 pp (95% CI +0.80 pp to +1.60 pp)``."""
    name = label(e.key).lower() if e.key not in {"roi"} else "ROI"
    size = fmt_diff(abs(e.diff), e.key, currency, signed=False)
    if missing(e.lo) or missing(e.hi):
        verb = "raises" if e.diff > 0 else "lowers" if e.diff < 0 else "leaves unchanged"
        return f"{verb} {name} by {size} (no interval: a single replication)"
    if e.diff == 0 and e.lo == 0 and e.hi == 0:
        return f"leaves {name} exactly unchanged"
    ci = f"95% CI {fmt_diff(e.lo, e.key, currency)} to {fmt_diff(e.hi, e.key, currency)}"
    if not e.material:
        signed = fmt_diff(e.diff, e.key, currency)
        limit = fmt_diff(e.threshold, e.key, currency, signed=False)
        return f"makes no material change to {name} ({signed}, below the {limit} threshold)"
    if not e.clear:
        if not missing(e.q) and (e.lo > 0 or e.hi < 0):  # type: ignore[operator]
            signed = fmt_diff(e.diff, e.key, currency)
            return (
                f"leaves {name} without a clear change once the many KPIs compared are "
                f"accounted for ({signed}, {ci}, adjusted {fmt_p(e.q)})"
            )
        signed = fmt_diff(e.diff, e.key, currency)
        return f"leaves {name} without a clear change ({signed}, {ci})"
    verb = "raises" if e.diff > 0 else "lowers"
    return f"{verb} {name} by {size} ({ci})"


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def tradeoff(
    subject: str,
    reference: str,
    effects: Sequence[Effect],
    currency: str,
    directions: Mapping[str, str] | None = None,
) -> str:
    """One paragraph: every effect with its interval, then what is gained for what."""
    directions = directions or {}
    shown = [e for e in effects if not missing(e.diff)]
    if not shown:
        return f"{subject}: no KPI could be compared with {reference}."
    phrases = _join([effect_phrase(e, currency) for e in shown])
    text = f"Compared with {reference}, {subject} {phrases}."
    gains = [
        label(e.key).lower() for e in shown if e.decisive and wanted(e.key, directions) * e.diff > 0
    ]
    losses = [
        label(e.key).lower() for e in shown if e.decisive and wanted(e.key, directions) * e.diff < 0
    ]
    if gains and losses:
        text += f" The trade-off: better {_join(gains)} at the price of worse {_join(losses)}."
    elif gains:
        text += f" It is better on {_join(gains)} with no clear loss on the KPIs shown."
    elif losses:
        text += f" It is worse on {_join(losses)} with no clear gain on the KPIs shown."
    elif any(e.clear and not e.material for e in shown) and not any(
        e.material and not e.clear for e in shown
    ):
        text += f" No KPI shown changes materially against {reference}."
    elif any(not missing(e.lo) for e in shown):
        text += (
            f" No KPI shown differs clearly and materially from {reference}; more "
            "replications would be needed to tell them apart."
        )
    return text


INCREMENTS = {
    "incremental_retention": "retention_rate",
    "incremental_revenue": "revenue",
    "incremental_profit": "profit",
}
"""summary.json's differences against the control arm and the KPI each is a difference of."""


def program_verdict(
    kpis: Mapping[str, float | None], ci: Mapping[str, Sequence], currency: str
) -> str:
    """What the program does against running no program at all, from summary.json."""
    parts = []
    for key, shown in INCREMENTS.items():
        if missing(kpis.get(key)):
            continue
        lo, hi = [*(ci.get(key) or []), None, None][:2]
        e = Effect(shown, float(kpis[key]), lo, hi)
        parts.append(effect_phrase(e, currency))
    if not parts:
        return ""
    text = (
        "Against the no-program control arm (same customers, same luck), "
        f"the program {_join(parts)}."
    )
    profit, cost = kpis.get("incremental_profit"), kpis.get("program_cost")
    if not missing(profit) and not missing(cost):
        if profit < 0:  # type: ignore[operator]
            text += (
                f" It does not pay for itself: its cost of {fmt(cost, 'program_cost', currency)} "
                f"exceeds the extra margin it earns by {fmt(-profit, 'profit', currency)}."  # type: ignore[operator]
            )
        else:
            text += (
                f" It pays for itself: {fmt(profit, 'profit', currency)} more profit than no "
                f"program, after {fmt(cost, 'program_cost', currency)} of program cost."
            )
    return text
