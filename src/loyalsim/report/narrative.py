"""Plain-words findings generated from the numbers: effects with intervals and trade-offs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from loyalsim.metrics.stats import paired_difference
from loyalsim.report.decision import ALPHA
from loyalsim.report.formatting import (
    better,
    fmt,
    fmt_diff,
    fmt_p,
    known,
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
        lo, hi, q = self.lo, self.hi, self.q
        if not known(lo) or not known(hi):
            return False
        if known(q) and q >= ALPHA:
            return False
        return lo > 0 or hi < 0

    @property
    def material(self) -> bool:
        """At least as large as the materiality threshold."""
        return not missing(self.diff) and abs(self.diff) >= self.threshold

    @property
    def decisive(self) -> bool:
        """Clear and material: a real change worth acting on."""
        return self.clear and self.material


def paired_interval(a: Sequence[float | None], b: Sequence[float | None]) -> Effect | None:
    """Mean difference ``a - b`` over replications with its 95% paired-t interval (the one
    statistics module's rule: no interval from fewer than two pairs)."""
    n = min(len(a), len(b))
    as_float = [[float(v) if known(v) else math.nan for v in s[:n]] for s in (a, b)]
    d = paired_difference(as_float[1], as_float[0])
    if d.n == 0:
        return None
    if d.n < 2:
        return Effect("", d.diff)
    return Effect("", d.diff, d.low, d.high)


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
        if known(e.q) and known(e.lo) and known(e.hi) and (e.lo > 0 or e.hi < 0):
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
        value = kpis.get(key)
        if not known(value):
            continue
        lo, hi = [*(ci.get(key) or []), None, None][:2]
        e = Effect(shown, value, lo, hi)
        parts.append(effect_phrase(e, currency))
    if not parts:
        return ""
    text = (
        "Against the no-program control arm (same customers, same luck), "
        f"the program {_join(parts)}."
    )
    profit, cost = kpis.get("incremental_profit"), kpis.get("program_cost")
    if known(profit) and known(cost):
        if profit < 0:
            text += (
                f" It does not pay for itself: its cost of {fmt(cost, 'program_cost', currency)} "
                f"exceeds the extra margin it earns by {fmt(-profit, 'profit', currency)}."
            )
        else:
            text += (
                f" It pays for itself: {fmt(profit, 'profit', currency)} more profit than no "
                f"program, after {fmt(cost, 'program_cost', currency)} of program cost."
            )
    return text
