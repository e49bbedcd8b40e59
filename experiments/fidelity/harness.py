"""Shared harness of the fidelity suite: findings, scales, a visit recorder and outputs.

Each finding is one module in this package with a ``FINDING`` and a ``run(scale)`` that
returns an :class:`Outcome` (measured figures, a table, a figure-drawing callback and the
verdict against the finding's band). ``python -m experiments.fidelity.run_all`` runs them
all at full scale and writes ``experiments/results/<key>/`` and the summary table; the tests
in ``tests/fidelity`` run each at :data:`REDUCED` scale.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from loyalsim import mechanics as mechanic_registry
from loyalsim.engine.hooks import Mechanic
from loyalsim.engine.observers import Observer
from loyalsim.engine.simulation import ArmResult
from loyalsim.engine.world import VisitBatch, World
from loyalsim.experiments.simulate import build_population, build_simulation
from loyalsim.scenario.loader import load_scenario, with_overrides
from loyalsim.scenario.models import Scenario

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "experiments" / "results"

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
PARTIAL = "partly reproduced"


@dataclass(frozen=True)
class Finding:
    """A published finding and the band within which the model must land."""

    number: int
    key: str
    title: str
    source: str
    claim: str
    band: str


@dataclass(frozen=True)
class Scale:
    """How big the experiment is: customers, weeks and replications."""

    size: int
    weeks: int
    replications: int
    seed: int = 2026
    preset: str | None = None
    """A behaviour preset (docs/model.md §3) put on every scenario of the experiment."""


FULL = Scale(size=20_000, weeks=52, replications=5)
REDUCED = Scale(size=4_000, weeks=39, replications=2)


@dataclass
class Outcome:
    """What a finding's experiment measured and whether the finding is reproduced."""

    finding: Finding
    status: str
    measured: dict[str, float]
    note: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    figure: Callable[[Path], None] | None = None

    def row(self) -> dict[str, Any]:
        shown = ", ".join(f"{k} = {_fmt(v)}" for k, v in self.measured.items())
        return {
            "finding": f"{self.finding.number}. {self.finding.title}",
            "source": self.finding.source,
            "band": self.finding.band,
            "measured": shown,
            "status": self.status,
            "note": self.note,
        }


def _fmt(value: float) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


# -- scenarios ------------------------------------------------------------------------------


def coffee(scale: Scale, overrides: dict[str, Any] | None = None) -> Scenario:
    """The shipped coffee scenario at ``scale`` with ``overrides``."""
    return shipped("coffee_punch_card", scale, overrides)


def shipped(name: str, scale: Scale, overrides: dict[str, Any] | None = None) -> Scenario:
    """The shipped scenario ``scenarios/<name>.yaml`` at ``scale`` with ``overrides``."""
    base = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    sized = {
        "population.size": scale.size,
        "horizon": {"weeks": scale.weeks},
        "replications": scale.replications,
        "seed": scale.seed,
    }
    if scale.preset is not None:
        sized["behaviour.preset"] = scale.preset
    return with_overrides(base, {**sized, **(overrides or {})})


# -- the visit recorder ---------------------------------------------------------------------


@dataclass
class Recording:
    """Every transaction of one arm (day, customer, points balance after it, redeemed, basket
    spend, till transactions, points redeemed that day), the day each customer defected (-1 if
    never) and, on the requested ``snapshot_days``, each customer's tier, attachment, alive and
    member flags at the close of the day."""

    visits: pd.DataFrame
    death_day: np.ndarray
    rate: np.ndarray
    dropout: np.ndarray
    engaged: np.ndarray
    rival_memberships: np.ndarray
    snapshots: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)


class VisitRecorder(Observer):
    """Records every transaction of the arm it watches, deaths and day-end snapshots."""

    def __init__(self, snapshot_days: frozenset[int] = frozenset()) -> None:
        self.rows: list[tuple[np.ndarray, ...]] = []
        self.snapshot_days = snapshot_days
        self.snapshots: dict[int, dict[str, np.ndarray]] = {}

    def on_arm_start(self, arm: str, world: World) -> None:
        n = world.pop.size
        self.death_day = np.full(n, -1, dtype=np.int64)
        self._was_alive = np.zeros(n, dtype=bool)
        self._redeemed = np.zeros(n, dtype=np.int64)

    def on_day_end(self, arm: str, world: World, batch: VisitBatch) -> None:
        idx = batch.idx
        redeemed_points = world.ledger.redeemed[idx] - self._redeemed[idx]
        self._redeemed[idx] = world.ledger.redeemed[idx]
        self.rows.append(
            (
                np.full(idx.size, batch.day),
                idx.copy(),
                world.ledger.balance[idx].copy(),
                batch.redeemed.copy(),
                batch.spend.copy(),
                batch.transactions.copy(),
                redeemed_points,
            )
        )
        died = self._was_alive & ~world.alive
        self.death_day[died] = batch.day
        self._was_alive = world.alive.copy()
        if batch.day in self.snapshot_days:
            self.snapshots[batch.day] = {
                "tier": world.state.tier.copy(),
                "attachment": world.attachment.copy(),
                "alive": world.alive.copy(),
                "member": world.member.copy(),
            }


COLUMNS = ("day", "customer", "balance", "redeemed", "spend", "transactions", "redeemed_points")


def run_recorded(
    scenario: Scenario,
    seed: int,
    replication: int,
    with_program: bool = True,
    snapshot_days: frozenset[int] = frozenset(),
    classes: dict[str, type[Mechanic[Any]]] | None = None,
) -> tuple[Recording, ArmResult]:
    """Run one arm of one replication with the recorder; returns (Recording, ArmResult).

    ``classes`` swaps a mechanic kind for an instrumented subclass (an experiment counting
    who got a gift, say); the population includes reserve rows (referral) as in a normal run.
    """
    population = build_population(scenario, seed, replication)
    mechanics = mechanic_registry.build_program(scenario.program) if with_program else []
    swap = classes or {}
    mechanics = [swap[m.kind](m.name, m.params) if m.kind in swap else m for m in mechanics]
    recorder = VisitRecorder(frozenset(snapshot_days))
    sim = build_simulation(
        scenario, population, mechanics, seed, replication, {}, observers=[recorder]
    )
    arm: ArmResult = sim.run()
    visits = pd.DataFrame(
        {name: np.concatenate([r[k] for r in recorder.rows]) for k, name in enumerate(COLUMNS)}
    )
    rec = Recording(
        visits,
        recorder.death_day,
        population.rate,
        population.dropout,
        population.engaged,
        population.traits["rival_memberships"],
        recorder.snapshots,
    )
    return rec, arm


# -- outputs --------------------------------------------------------------------------------


def save(outcome: Outcome, results: Path = RESULTS) -> Path:
    """Write ``table.csv``, ``figure.png`` and ``outcome.json`` of one finding."""
    directory = results / outcome.finding.key
    directory.mkdir(parents=True, exist_ok=True)
    if not outcome.table.empty:
        outcome.table.to_csv(directory / "table.csv", index=False)
    if outcome.figure is not None:
        outcome.figure(directory / "figure.png")
        plt.close("all")
    data = {**outcome.row(), "measured": outcome.measured}
    (directory / "outcome.json").write_text(json.dumps(data, indent=2) + "\n")
    return directory


def figure(path: Path, draw: Callable[[plt.Axes], None], title: str) -> None:
    """A one-panel figure drawn by ``draw`` and saved at ``path``."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    draw(ax)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
