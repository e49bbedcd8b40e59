"""Simulated method of moments with the engine itself, on common random numbers.

The observed moments ``m`` (docs/calibration.md, "Calibrating the program response") are
matched by the mean simulated moments ``m_S(θ)`` of ``S`` simulations that keep their seeds for
every candidate ``θ`` (common random numbers: the objective is a deterministic function of ``θ``).
The objective is ``Σ_k (m_S,k(θ) - m_k)² / v_k`` with ``v_k`` the bootstrap variance (over
customers) of the observed moment times the simulation-noise factor ``1 + N_obs / (S N_sim)``
(``1 + 1/S`` when the simulated population is as large as the observed one): a diagonal
weighting. scipy's ``least_squares`` (trust region reflective, bounded) searches it on the
parameters' unit scales (:mod:`loyalsim.experiments.response.params`).

``max_evaluations`` is exact: the search may use it less the ``2k`` evaluations the final
Jacobian of ``k`` parameters needs (its centre is the search's best point, already evaluated),
a batch that would not fit is not started, so the command never simulates more candidates.

Standard errors are the sandwich of the central-difference Jacobian ``G`` of the simulated
moments and the moment covariance ``Σ`` (bootstrap, times the same factor):
``V = (G'WG)⁻¹ G'WΣWG (G'WG)⁻¹`` with ``W = diag(1/v)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from loyalsim.errors import DataError
from loyalsim.experiments.response.history import Pilot, ProgramHistory
from loyalsim.experiments.response.history_moments import history_contributions
from loyalsim.experiments.response.moments import (
    MIN_COUNT,
    Moment,
    MomentDesign,
    MomentSet,
    bootstrap,
)
from loyalsim.experiments.response.params import Parameter
from loyalsim.experiments.response.pilot_moments import pilot_contributions
from loyalsim.experiments.response.replicas import (
    PilotShape,
    refuse_existing_base,
    replicate_history,
    replicate_pilot,
)
from loyalsim.experiments.watchdog import watch_parent
from loyalsim.scenario.loader import with_overrides
from loyalsim.scenario.models import Scenario

SEARCH_STEP = 0.1
"""Finite-difference step of the search, in prior standard deviations (unit scale)."""


class OutOfBudget(Exception):
    """The search used its evaluations or time (the best point so far is kept)."""


@dataclass(frozen=True)
class Settings:
    """How hard the calibration works (defaults fit the 15-minute budget of docs/calibration.md)."""

    simulations: int = 2
    seed: int = 0
    bootstrap: int = 200
    max_evaluations: int = 60
    """Most candidate points simulated (each ``simulations`` times), the final Jacobian's
    included."""
    time_limit_s: float = 720.0
    jobs: int = 1
    jacobian_step: float = 0.3
    """Central-difference step of the Jacobian, in prior standard deviations (unit scale)."""


@dataclass(frozen=True)
class Target:
    """The observed moments and their bootstrap covariance, both blocks together."""

    moments: tuple[Moment, ...]
    values: np.ndarray
    cov: np.ndarray
    counts: np.ndarray
    customers: int
    keep: np.ndarray
    """Moments used (enough observed cases, positive variance)."""


def _totals(contrib_values: np.ndarray) -> np.ndarray:
    return contrib_values.sum(axis=0)


def observed_target(
    history: ProgramHistory, pilot: Pilot | None, design: MomentDesign, settings: Settings
) -> Target:
    """Observed moments, counts and bootstrap covariance (history and pilot blocks are
    resampled independently; the covariance is block-diagonal)."""
    hc, hm = history_contributions(history, design)
    blocks = [(hc, hm)]
    if pilot is not None:
        blocks.append(pilot_contributions(pilot, design))
    values, counts, draws = [], [], []
    moments: list[Moment] = []
    for k, (contrib, mset) in enumerate(blocks):
        totals = _totals(contrib.values)
        values.append(mset.evaluate(totals))
        counts.append(mset.counts(totals))
        draws.append(mset.evaluate(bootstrap(contrib, settings.bootstrap, settings.seed + k)))
        moments.extend(mset.moments)
    value = np.concatenate(values)
    count = np.concatenate(counts)
    sizes = [d.shape[1] for d in draws]
    cov = np.zeros((value.size, value.size))
    lo = 0
    for d, size in zip(draws, sizes, strict=True):
        block = d[:, np.all(np.isfinite(d), axis=0)]
        full = np.full((size, size), np.nan)
        ok = np.all(np.isfinite(d), axis=0)
        if block.shape[1]:
            full[np.ix_(ok, ok)] = np.atleast_2d(np.cov(block, rowvar=False))
        cov[lo : lo + size, lo : lo + size] = full
        lo += size
    var = np.diag(cov)
    keep = (count >= MIN_COUNT) & np.isfinite(value) & np.isfinite(var) & (var > 0)
    if not keep.any():
        raise DataError(
            "the history holds too few cases for any moment (each needs at least "
            f"{MIN_COUNT} visits or customers); a longer or larger history is needed"
        )
    n = int(np.count_nonzero(hc.values.any(axis=1)))
    return Target(tuple(moments), value, cov, count, n, keep)


@dataclass(frozen=True)
class _Task:
    scenario: Scenario
    overrides: dict[str, float]
    seed: int
    replication: int
    design: MomentDesign
    pilot: PilotShape | None


def _simulate(task: _Task) -> tuple[np.ndarray, int]:
    """Column totals of one simulation's contributions (history block, then pilot block)."""
    scenario = with_overrides(task.scenario, task.overrides) if task.overrides else task.scenario
    history = replicate_history(scenario, task.seed, task.replication)
    hc, _ = history_contributions(history, task.design)
    totals = [_totals(hc.values)]
    if task.pilot is not None:
        pilot = replicate_pilot(scenario, task.pilot, task.seed, task.replication)
        pc, _ = pilot_contributions(pilot, task.design)
        totals.append(_totals(pc.values))
    return np.concatenate(totals), int(np.count_nonzero(hc.values.any(axis=1)))


@dataclass
class Simulator:
    """Simulated moments at parameter points, on fixed seeds (common random numbers)."""

    scenario: Scenario
    design: MomentDesign
    params: Sequence[Parameter]
    sets: Sequence[MomentSet]
    pilot: PilotShape | None
    settings: Settings
    executor: Executor | None = None
    evaluations: int = 0
    limit: int | None = None
    """Most evaluations allowed; a batch that would pass it raises :class:`OutOfBudget`."""
    customers: list[int] = field(default_factory=list)
    _cache: dict[tuple[float, ...], np.ndarray] = field(default_factory=dict)

    def overrides(self, u: np.ndarray) -> dict[str, float]:
        return {p.path: p.value(float(x)) for p, x in zip(self.params, u, strict=True)}

    def many(self, points: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Mean simulated moments at each point (tasks spread over the executor)."""
        todo = [tuple(float(x) for x in u) for u in points if tuple(u) not in self._cache]
        todo = list(dict.fromkeys(todo))
        if self.limit is not None and self.evaluations + len(todo) > self.limit:
            raise OutOfBudget("evaluations")
        s = self.settings
        tasks = [
            _Task(self.scenario, self.overrides(np.array(u)), s.seed, r, self.design, self.pilot)
            for u in todo
            for r in range(s.simulations)
        ]
        mapper: Callable[..., Any] = self.executor.map if self.executor else map
        results = list(mapper(_simulate, tasks))
        for i, u in enumerate(todo):
            chunk = results[i * s.simulations : (i + 1) * s.simulations]
            totals = np.sum([c[0] for c in chunk], axis=0)
            self.customers.extend(c[1] for c in chunk)
            self._cache[u] = self._moments(totals)
            self.evaluations += 1
        return [self._cache[tuple(float(x) for x in u)] for u in points]

    def _moments(self, totals: np.ndarray) -> np.ndarray:
        out, lo = [], 0
        for mset in self.sets:
            width = 1 + max(max(m.num, m.den, m.num2, m.den2) for m in mset.moments)
            out.append(mset.evaluate(totals[lo : lo + width]))
            lo += width
        return np.concatenate(out)


@dataclass(frozen=True)
class Fit:
    """The calibration's estimate, uncertainty and fit."""

    params: tuple[Parameter, ...]
    u: np.ndarray
    se_u: np.ndarray
    cov_u: np.ndarray
    jacobian: np.ndarray
    simulated: np.ndarray
    target: Target
    noise_factor: float
    objective: float
    evaluations: int
    seconds: float
    stopped: str
    start_objective: float

    def value(self, k: int) -> float:
        return self.params[k].value(float(self.u[k]))

    def z_se(self, k: int) -> float:
        return float(self.se_u[k] * self.params[k].z_scale)

    def interval(self, k: int, level_z: float = 1.96) -> tuple[float, float]:
        p, u, se = self.params[k], float(self.u[k]), float(self.se_u[k])
        if not np.isfinite(se):
            return (float("nan"), float("nan"))
        return p.value(u - level_z * se), p.value(u + level_z * se)

    @property
    def correlation(self) -> np.ndarray:
        sd = np.sqrt(np.diag(self.cov_u))
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.cov_u / np.outer(sd, sd)


def _pool(jobs: int) -> Executor | None:
    return ProcessPoolExecutor(max_workers=jobs, initializer=watch_parent) if jobs > 1 else None


def fit(
    scenario: Scenario,
    history: ProgramHistory,
    pilot: Pilot | None,
    design: MomentDesign,
    params: Sequence[Parameter],
    settings: Settings,
    progress: Callable[[str], None] | None = None,
) -> Fit:
    """Estimate ``params`` by simulated method of moments (module docstring)."""
    started = time.monotonic()
    least = 2 * len(params) + 1
    if settings.max_evaluations < least:
        raise DataError(
            f"--evaluations {settings.max_evaluations}: at least {least} for {len(params)} "
            "parameters (one start point and a central-difference Jacobian of two per parameter)"
        )
    target = observed_target(history, pilot, design, settings)
    sets = [history_contributions(history, design)[1]]
    if pilot is not None:
        sets.append(pilot_contributions(pilot, design)[1])
    shape = PilotShape.of(pilot) if pilot is not None else None
    if shape is not None:
        refuse_existing_base(scenario, shape.start, shape.launch)
    executor = _pool(settings.jobs)
    try:
        sim = Simulator(scenario, design, params, sets, shape, settings, executor)
        return _search(sim, target, started, progress)
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)


def _search(
    sim: Simulator, target: Target, started: float, progress: Callable[[str], None] | None
) -> Fit:
    s = sim.settings
    keep = target.keep
    obs = target.values[keep]
    u0 = np.zeros(len(sim.params))
    sim.limit = s.max_evaluations - 2 * len(sim.params)  # the rest is the final Jacobian's
    first = sim.many([u0])[0]
    n_sim = float(np.mean(sim.customers)) if sim.customers else 1.0
    factor = target.customers / (s.simulations * max(n_sim, 1.0))
    var = np.diag(target.cov)[keep] * (1.0 + factor)
    scale = np.sqrt(var)
    best: dict[str, Any] = {"u": u0, "cost": np.inf}
    bounds = np.array([p.bounds for p in sim.params]).T

    def scaled(m: np.ndarray) -> np.ndarray:
        m = m[keep]
        return np.where(np.isfinite(m), (m - obs) / scale, 10.0)

    def check_budget() -> None:
        if time.monotonic() - started > s.time_limit_s:
            raise OutOfBudget("time")

    def residuals(u: np.ndarray) -> np.ndarray:
        check_budget()
        r = scaled(sim.many([u])[0])
        cost = float(r @ r)
        if cost < best["cost"]:
            best.update(u=np.array(u, dtype=float), cost=cost)
        if progress:
            progress(f"evaluation {sim.evaluations}: objective {cost:.2f}")
        return r

    def jacobian(u: np.ndarray) -> np.ndarray:
        """Forward differences of ``SEARCH_STEP`` (far above the scale at which moments on
        common random numbers are piecewise constant), run as one batch."""
        check_budget()
        steps = np.where(u + SEARCH_STEP <= bounds[1], SEARCH_STEP, -SEARCH_STEP)
        points = [u + np.eye(u.size)[j] * steps[j] for j in range(u.size)]
        base, *moved = sim.many([u, *points])
        r0 = scaled(base)
        return np.column_stack([(scaled(m) - r0) / steps[j] for j, m in enumerate(moved)])

    start_objective = float(np.sum(scaled(first) ** 2))
    stopped = "converged"
    try:
        least_squares(
            residuals,
            u0,
            jac=jacobian,
            bounds=(bounds[0], bounds[1]),
            x_scale=1.0,
            max_nfev=s.max_evaluations,
            xtol=1e-3,
            ftol=1e-4,
        )
    except OutOfBudget as exc:
        stopped = f"stopped by the {exc} budget"
    u_hat = best["u"]
    sim.limit = s.max_evaluations
    jac, centre = _central_jacobian(sim, u_hat, bounds, keep)
    sigma = target.cov[np.ix_(keep, keep)] * (1.0 + factor)
    cov_u, se = sandwich(jac, sigma, var)
    return Fit(
        params=tuple(sim.params),
        u=u_hat,
        se_u=se,
        cov_u=cov_u,
        jacobian=jac,
        simulated=centre,
        target=target,
        noise_factor=factor,
        objective=float(np.sum(scaled(centre) ** 2)),
        evaluations=sim.evaluations,
        seconds=time.monotonic() - started,
        stopped=stopped,
        start_objective=start_objective,
    )


def _central_jacobian(
    sim: Simulator, u: np.ndarray, bounds: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of the simulated moments at ``u`` (step ``jacobian_step``, one
    batch), and the moments at ``u``."""
    k, h = u.size, sim.settings.jacobian_step
    points = []
    for j in range(k):
        e = np.eye(k)[j] * h
        points += [np.clip(u + e, bounds[0], bounds[1]), np.clip(u - e, bounds[0], bounds[1])]
    centre, *rest = sim.many([u, *points])
    jac = np.zeros((int(keep.sum()), k))
    for j in range(k):
        width = points[2 * j][j] - points[2 * j + 1][j]
        if width > 0:
            jac[:, j] = (rest[2 * j][keep] - rest[2 * j + 1][keep]) / width
    return np.nan_to_num(jac), centre


def sandwich(jac: np.ndarray, sigma: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(G'WG)⁻¹ G'WΣWG (G'WG)⁻¹`` with ``W = diag(1/var)``, and the standard errors; a
    parameter the moments do not move (a zero column of ``G``) gets an infinite one."""
    k = jac.shape[1]
    w = 1.0 / var
    a = jac.T @ (w[:, None] * jac)
    b = jac.T @ (w[:, None] * sigma * w[None, :]) @ jac
    ridge = 1e-9 * max(float(np.trace(a)), 1e-12)
    a_inv = np.linalg.inv(a + ridge * np.eye(k))
    cov = a_inv @ b @ a_inv
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    se[np.diag(a) <= 1e-6 * max(float(np.max(np.diag(a))), 1e-12)] = np.inf
    return cov, se
