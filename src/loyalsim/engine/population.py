"""Customers as columns: one numpy array per trait, one row per customer."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from loyalsim.engine.existing_base import OpeningState
    from loyalsim.scenario.population import PopulationSpec


NOT_YET = 10**9
"""Arrival day of reserve rows (they arrive only when a mechanic brings them)."""
LAPSED = NOT_YET + 1
"""Arrival day of lapsed members of an existing base: gone before day 0, never arriving,
but holding points (engine/existing_base.py)."""

TRAITS = (
    "reward_sensitivity",
    "status_sensitivity",
    "experience_seeking",
    "surprise_sensitivity",
    "enrol_propensity",
    "rival_memberships",
    "attachment",
)
"""Segment traits drawn from the segment's distributions, in this (fixed) order."""


@dataclass(frozen=True)
class Prospects:
    """Rows an acquisition offer may bring in (reserve rows with a planned day): the offer
    with lift ``l`` in segment ``k`` brings those with ``u < l / max_lift[k]``."""

    rows: np.ndarray
    """Population rows, ascending."""
    day: np.ndarray
    """Planned arrival day of each."""
    u: np.ndarray
    """Uniform of each (thinning by the offer's lift)."""
    max_lift: np.ndarray
    """Per segment: the lift the prospects were drawn for."""


def allocate(size: int, shares: list[float]) -> np.ndarray:
    """Split ``size`` customers by ``shares`` with the largest-remainder method (exact sum)."""
    raw = np.asarray(shares) * size
    counts = np.floor(raw).astype(np.int64)
    short = size - int(counts.sum())
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


@dataclass
class Population:
    """Static traits of every customer; runtime state lives in the engine's World."""

    segment: np.ndarray
    segment_names: list[str]
    rate: np.ndarray
    """Base visits per day (lambda)."""
    dropout: np.ndarray
    """Probability of defecting at a base transaction (BG/NBD p)."""
    spend_shape: np.ndarray
    spend_rate: np.ndarray
    engaged: np.ndarray
    traits: dict[str, np.ndarray]
    arrival_day: np.ndarray
    """Day each customer first arrives (0 for the starting base)."""
    opening: OpeningState | None = None
    """Membership, points and tiers on day 0 when the program already runs."""
    prospects: Prospects | None = None
    """Newcomers only an acquisition offer brings (mechanics/acquisition.py)."""

    @property
    def size(self) -> int:
        return int(self.segment.size)

    @property
    def mean_spend(self) -> np.ndarray:
        """Expected spend per transaction of each customer (p / nu)."""
        return self.spend_shape / self.spend_rate

    def mean_spend_of(self, idx: np.ndarray) -> np.ndarray:
        """:attr:`mean_spend` of customers ``idx`` only (cheap for small groups)."""
        return self.spend_shape[idx] / self.spend_rate[idx]

    @classmethod
    def build(
        cls,
        spec: PopulationSpec,
        rng: np.random.Generator,
        reserve: int = 0,
        reserve_rng: np.random.Generator | None = None,
        arrivals: list[np.ndarray] | None = None,
        arrivals_rng: np.random.Generator | None = None,
        lapsed: int = 0,
        lapsed_rng: np.random.Generator | None = None,
    ) -> Population:
        """Draw every customer's traits, segment by segment, in a fixed order.

        ``reserve`` extra rows (drawn from ``reserve_rng`` with the same segment mix, after
        the regular rows, so these are identical with or without a reserve) never arrive by
        themselves (``arrival_day = NOT_YET``): a mechanic such as referral activates them.
        ``arrivals`` (per segment, the arrival day of each newcomer; drawn from
        ``arrivals_rng``) add the acquired customers after them (engine/acquisition.py), and
        ``lapsed`` rows (from ``lapsed_rng``) the lapsed members of an existing base.
        """
        cols = _draw(spec, allocate(spec.size, [s.share for s in spec.segments]), rng)
        arrival = np.zeros(spec.size, dtype=np.int64)
        if reserve:
            if reserve_rng is None:
                raise ValueError("a reserve needs its own generator")
            extra = _draw(spec, allocate(reserve, [s.share for s in spec.segments]), reserve_rng)
            cols = {k: np.concatenate([v, extra[k]]) for k, v in cols.items()}
            arrival = np.concatenate([arrival, np.full(reserve, NOT_YET, dtype=np.int64)])
        if arrivals is not None and any(a.size for a in arrivals):
            if arrivals_rng is None:
                raise ValueError("arrivals need their own generator")
            extra = _draw(spec, np.array([a.size for a in arrivals]), arrivals_rng)
            cols = {k: np.concatenate([v, extra[k]]) for k, v in cols.items()}
            arrival = np.concatenate([arrival, *[a.astype(np.int64) for a in arrivals]])
        if lapsed:
            if lapsed_rng is None:
                raise ValueError("lapsed members need their own generator")
            extra = _draw(spec, allocate(lapsed, [s.share for s in spec.segments]), lapsed_rng)
            cols = {k: np.concatenate([v, extra[k]]) for k, v in cols.items()}
            arrival = np.concatenate([arrival, np.full(lapsed, LAPSED, dtype=np.int64)])
        return cls(
            segment=cols.pop("segment"),
            segment_names=[s.name for s in spec.segments],
            rate=cols.pop("rate"),
            dropout=cols.pop("dropout"),
            spend_shape=cols.pop("spend_shape"),
            spend_rate=cols.pop("spend_rate"),
            engaged=cols.pop("engaged"),
            traits=cols,
            arrival_day=arrival,
        )

    def add_prospects(
        self,
        spec: PopulationSpec,
        days: list[np.ndarray],
        lift: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        """Append the prospects of an acquisition offer (per segment, their planned days),
        drawn from ``rng``: reserve rows that arrive only when the offer brings them."""
        counts = np.array([d.size for d in days])
        start = self.size
        cols = _draw(spec, counts, rng)
        u = rng.random(int(counts.sum()))
        self.segment = np.concatenate([self.segment, cols.pop("segment")])
        self.rate = np.concatenate([self.rate, cols.pop("rate")])
        self.dropout = np.concatenate([self.dropout, cols.pop("dropout")])
        self.spend_shape = np.concatenate([self.spend_shape, cols.pop("spend_shape")])
        self.spend_rate = np.concatenate([self.spend_rate, cols.pop("spend_rate")])
        self.engaged = np.concatenate([self.engaged, cols.pop("engaged")])
        self.traits = {k: np.concatenate([v, cols[k]]) for k, v in self.traits.items()}
        self.arrival_day = np.concatenate(
            [self.arrival_day, np.full(int(counts.sum()), NOT_YET, dtype=np.int64)]
        )
        rows = np.arange(start, self.size)
        self.prospects = Prospects(rows, np.concatenate(days).astype(np.int64), u, lift)

    @property
    def is_prospect(self) -> np.ndarray:
        """Rows only an acquisition offer brings (not free for other mechanics' reserves)."""
        flag = np.zeros(self.size, dtype=bool)
        if self.prospects is not None:
            flag[self.prospects.rows] = True
        return flag

    @property
    def regular(self) -> np.ndarray:
        """Rows that arrive by themselves (not reserve rows)."""
        return self.arrival_day < NOT_YET


def _draw(spec: PopulationSpec, counts: np.ndarray, rng: np.random.Generator) -> dict:
    """Trait columns of ``counts[k]`` customers of each segment ``k``."""
    parts: dict[str, list[np.ndarray]] = {}

    def put(name: str, values: np.ndarray) -> None:
        parts.setdefault(name, []).append(values)

    for k, (seg, n) in enumerate(zip(spec.segments, counts, strict=True)):
        n = int(n)
        put("segment", np.full(n, k, dtype=np.int16))
        put(
            "rate",
            rng.gamma(seg.purchase.r, 1.0 / seg.purchase.alpha, n) / seg.purchase.days_per_unit(),
        )
        put("dropout", rng.beta(seg.dropout.a, seg.dropout.b, n))
        put("spend_shape", np.full(n, seg.spend.p))
        put("spend_rate", rng.gamma(seg.spend.q, 1.0 / seg.spend.gamma, n))
        put("engaged", rng.random(n) < seg.engaged_share)
        for trait in TRAITS:
            put(trait, getattr(seg, trait).sample(rng, n))
    cols = {name: np.concatenate(values) for name, values in parts.items()}
    cols["attachment"] = np.clip(cols["attachment"], 0.0, 1.0)
    cols["enrol_propensity"] = np.clip(cols["enrol_propensity"], 0.0, 1.0)
    return cols


def freeze(value: object) -> None:
    """Make every array of a population (``value``, recursively through its dicts and
    dataclasses) read-only: it is shared by the arms of a replication and by every design that
    meets it, so no run may change it (a write raises)."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, dict):
        for item in value.values():
            freeze(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            freeze(getattr(value, f.name))
