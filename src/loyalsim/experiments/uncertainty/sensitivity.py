"""Global sensitivity of KPIs to uncertain parameters, with SALib's estimators.

Designs are drawn on the unit cube (one column per parameter) and mapped to values through
each prior's quantile function, so the same code serves a test function with known indices
(Ishigami) and the simulator. Bounded priors use their whole support; unbounded ones
(normal, lognormal) are explored between their 0.5% and 99.5% quantiles.

- **Morris** screening (``mu_star``: mean absolute elementary effect, the KPI change per
  full explored range of the parameter, from steps of 2/3 of that range on a 4-level grid,
  with a bootstrap interval; ``sigma``: spread of the effects, a sign of interactions or
  non-linearity). Cheap: ``trajectories * (k + 1)`` evaluations.
- **Sobol** first-order ``S1`` and total ``ST`` indices (Saltelli sampling, Jansen/Saltelli
  estimators, bootstrap intervals): ``n * (k + 2)`` evaluations, ``n`` a power of two.
- **One at a time** (the tornado): each parameter alone at its prior's 5% and 95% quantiles,
  the others nominal; a parameter whose range gives incremental profit of both signs can flip
  the recommendation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from loyalsim.errors import LoyalsimError, SimulationError
from loyalsim.experiments.simulate import run_replication
from loyalsim.experiments.uncertainty.parallel import run_tasks
from loyalsim.experiments.uncertainty.worlds import at_values, check_priors, priors_of
from loyalsim.metrics import stats
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.priors import U_MIN, Prior
from loyalsim.scenario.uncertainty import assumption_paths, prior_library

Method = Literal["morris", "sobol"]
METHODS: tuple[Method, ...] = ("morris", "sobol")
COLUMNS = ("parameter", "kpi", "method", "index", "value", "ci_low", "ci_high")
"""The columns of ``sensitivity.csv`` (a contract)."""
UNBOUNDED_TAIL = 0.005
OAT_QUANTILES = (0.05, 0.95)
DEFAULT_KPIS = ("incremental_profit", "incremental_revenue")
MORRIS_LEVELS = 4
RESAMPLES = 1000
"""Bootstrap resamples behind every index's 95% interval."""

Model = Callable[[np.ndarray], np.ndarray]
"""Parameter values ``[points, k]`` -> KPI values ``[points, kpis]``."""


@dataclass(frozen=True)
class Parameters:
    """The uncertain parameters of a study: dotted paths and their priors, in order."""

    paths: tuple[str, ...]
    priors: tuple[Any, ...]

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem on the unit cube."""
        return {
            "num_vars": len(self.paths),
            "names": list(self.paths),
            "bounds": [[0.0, 1.0]] * len(self.paths),
        }

    def values(self, unit: np.ndarray) -> np.ndarray:
        """Unit-cube points -> parameter values, column by column."""
        unit = np.asarray(unit, dtype=float)
        out = np.empty_like(unit)
        for j, prior in enumerate(self.priors):
            u = unit[:, j]
            if not prior.bounded:
                u = UNBOUNDED_TAIL + (1.0 - 2.0 * UNBOUNDED_TAIL) * u
            out[:, j] = prior.ppf(np.clip(u, U_MIN, 1.0 - U_MIN))
        return out


def parameters_of(scenario: Scenario, chosen: Sequence[str] = ()) -> Parameters:
    """The scenario's priors, or, without any, the library priors marked "assumption";
    ``chosen`` narrows them to those paths (a path without a prior in the scenario takes the
    library's)."""
    mine: Mapping[str, Prior] = priors_of(scenario)
    library = prior_library()
    pool: dict[str, Any] = dict(mine) if mine else {p: library[p].prior for p in assumption_paths()}
    if chosen:
        picked = {}
        for path in chosen:
            if path in pool:
                picked[path] = pool[path]
            elif path in library:
                picked[path] = library[path].prior
            else:
                raise LoyalsimError(
                    f"--param {path}: no prior for it in the scenario or the library "
                    f"(with priors: {', '.join(sorted({*pool, *library}))})"
                )
        pool = picked
    if not pool:
        raise LoyalsimError(f"scenario '{scenario.name}' has no uncertain parameters to study")
    return Parameters(tuple(pool), tuple(pool[p] for p in pool))


def design(method: Method, params: Parameters, n: int, seed: int) -> np.ndarray:
    """The unit-cube design: Morris trajectories or a Saltelli (Sobol) sample."""
    problem = params.problem
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, N=n, num_levels=MORRIS_LEVELS, seed=seed)
    if method == "sobol":
        from SALib.sample import sobol

        if n < 2 or n & (n - 1):
            raise LoyalsimError(f"--samples {n}: Sobol designs need a power of two (e.g. 32, 64)")
        return sobol.sample(problem, n, calc_second_order=False, seed=seed)
    raise LoyalsimError(f"--method {method}: allowed: {', '.join(METHODS)}")


def analyse(
    method: Method, params: Parameters, unit: np.ndarray, y: np.ndarray, kpi: str, seed: int
) -> list[dict[str, Any]]:
    """Indices of one KPI from the design and its outputs, as ``sensitivity.csv`` rows."""
    problem = params.problem
    rows: list[dict[str, Any]] = []

    def add(j: int, index: str, value: float, half: float | None) -> None:
        lo, hi = (math.nan, math.nan) if half is None else (value - half, value + half)
        rows.append(
            dict(zip(COLUMNS, (params.paths[j], kpi, method, index, value, lo, hi), strict=True))
        )

    if method == "morris":
        from SALib.analyze import morris

        res = morris.analyze(
            problem,
            unit,
            y,
            num_resamples=1000,
            conf_level=0.95,
            num_levels=MORRIS_LEVELS,
            seed=seed,
        )
        for j in range(len(params.paths)):
            add(j, "mu_star", float(res["mu_star"][j]), float(res["mu_star_conf"][j]))
            add(j, "mu", float(res["mu"][j]), None)
            add(j, "sigma", float(res["sigma"][j]), None)
    else:
        from SALib.analyze import sobol

        res = sobol.analyze(
            problem, y, calc_second_order=False, num_resamples=1000, conf_level=0.95, seed=seed
        )
        for j in range(len(params.paths)):
            add(j, "S1", float(res["S1"][j]), float(res["S1_conf"][j]))
            add(j, "ST", float(res["ST"][j]), float(res["ST_conf"][j]))
    return rows


def global_indices(
    method: Method,
    params: Parameters,
    model: Model,
    kpis: Sequence[str],
    n: int,
    seed: int,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Design, evaluate and analyse: the indices of every KPI, the unit design and outputs."""
    unit = design(method, params, n, seed)
    y = np.asarray(model(params.values(unit)), dtype=float)
    if y.shape != (len(unit), len(kpis)):
        raise SimulationError(f"model gave shape {y.shape}, expected {(len(unit), len(kpis))}")
    rows = []
    for k, kpi in enumerate(kpis):
        column = y[:, k]
        if np.isnan(column).any():
            raise SimulationError(f"KPI {kpi} is undefined at some design points; choose another")
        rows.extend(analyse(method, params, unit, column, kpi, seed))
    return pd.DataFrame(rows, columns=list(COLUMNS)), unit, y


# -- the simulator as a model --------------------------------------------------------------


def _point_task(task: tuple[Scenario, dict[str, float], int, int, tuple[str, ...]]) -> list[float]:
    scenario, values, seed, r, kpis = task
    world = at_values(scenario, values, f"design point of '{scenario.name}'")
    result = run_replication(world, seed, r, kpis_only=True)
    return [float(result.kpis.get(k, math.nan)) for k in kpis]


@dataclass
class SimulatorModel:
    """The simulator seen as ``values -> mean KPIs over replications`` (same replication seeds
    at every point: common random numbers across the design)."""

    scenario: Scenario
    paths: tuple[str, ...]
    kpis: tuple[str, ...]
    replications: int
    seed: int
    jobs: int = 1
    scheduler: str | None = None
    progress: Callable[[int, int], None] | None = None

    def replicated(self, values: np.ndarray) -> np.ndarray:
        """KPI values ``[points, replications, kpis]``."""
        points = [dict(zip(self.paths, map(float, row), strict=True)) for row in values]
        tasks = [
            (self.scenario, point, self.seed, r, self.kpis)
            for point in points
            for r in range(self.replications)
        ]
        out = run_tasks(_point_task, tasks, self.jobs, self.scheduler, self.progress)
        return np.asarray(out, dtype=float).reshape(len(points), self.replications, len(self.kpis))

    def __call__(self, values: np.ndarray) -> np.ndarray:
        return self.replicated(values).mean(axis=1)


def one_at_a_time(
    params: Parameters, model: SimulatorModel, nominal: Mapping[str, float]
) -> pd.DataFrame:
    """Tornado figures: each parameter alone at its prior's 5% and 95% quantiles.

    Columns: parameter, kpi, quantile (nominal, 0.05, 0.95), value, value_of (the KPI mean),
    ci_low, ci_high (its Monte Carlo interval over replications)."""
    base = np.array([[nominal[p] for p in params.paths]])
    rows_in = [base[0]]
    labels: list[tuple[str, float, float]] = [("", math.nan, math.nan)]
    for j, (path, prior) in enumerate(zip(params.paths, params.priors, strict=True)):
        for q in OAT_QUANTILES:
            row = base[0].copy()
            row[j] = prior.value_at(q)
            rows_in.append(row)
            labels.append((path, q, row[j]))
    reps = model.replicated(np.vstack(rows_in))
    records = []
    for i, (path, q, value) in enumerate(labels):
        for k, kpi in enumerate(model.kpis):
            interval = stats.mean_interval(reps[i, :, k])
            records.append(
                {
                    "parameter": path or "(nominal)",
                    "kpi": kpi,
                    "quantile": q,
                    "value": value,
                    "kpi_mean": interval.mean,
                    "ci_low": interval.low,
                    "ci_high": interval.high,
                }
            )
    return pd.DataFrame(records)


def sign_flips(oat: pd.DataFrame, kpi: str = "incremental_profit") -> list[str]:
    """Parameters whose 5%-95% range alone gives the KPI both signs."""
    rows = oat[(oat["kpi"] == kpi) & (oat["parameter"] != "(nominal)")]
    flips = []
    for path, group in rows.groupby("parameter", sort=False):
        values = group["kpi_mean"].to_numpy()
        if values.min() < 0 < values.max():
            flips.append(str(path))
    return flips


def oat_rows(oat: pd.DataFrame, flips: Sequence[str]) -> pd.DataFrame:
    """The tornado figures as ``sensitivity.csv`` rows (method ``oat``): the KPI at each
    quantile with its Monte Carlo interval, and ``swing`` = high minus low."""
    rows = []
    for (path, kpi), group in oat[oat["parameter"] != "(nominal)"].groupby(
        ["parameter", "kpi"], sort=False
    ):
        by_q: dict[float, dict[str, Any]] = {
            float(r["quantile"]): {str(k): v for k, v in r.items()}
            for r in group.to_dict("records")
        }
        low, high = by_q[OAT_QUANTILES[0]], by_q[OAT_QUANTILES[1]]
        for name, at in (("at_p05", low), ("at_p95", high)):
            rows.append([path, kpi, "oat", name, at["kpi_mean"], at["ci_low"], at["ci_high"]])
        swing = float(high["kpi_mean"]) - float(low["kpi_mean"])
        rows.append([path, kpi, "oat", "swing", swing, math.nan, math.nan])
        if kpi == "incremental_profit":
            flag = 1.0 if path in flips else 0.0
            rows.append([path, kpi, "oat", "flips_sign", flag, math.nan, math.nan])
    return pd.DataFrame(rows, columns=list(COLUMNS))


@dataclass
class SensitivityStudy:
    """Everything ``loyalsim sensitivity`` writes."""

    method: Method
    params: Parameters
    kpis: tuple[str, ...]
    indices: pd.DataFrame
    oat: pd.DataFrame
    flips: list[str]
    unit: np.ndarray
    outputs: np.ndarray
    nominal: dict[str, float]
    samples: int
    replications: int
    seed: int

    @property
    def table(self) -> pd.DataFrame:
        """``sensitivity.csv``: global indices, then the one-at-a-time rows."""
        return pd.concat([self.indices, oat_rows(self.oat, self.flips)], ignore_index=True)

    def design_frame(self) -> pd.DataFrame:
        """Every design point: parameter values and KPI means (``design.csv``)."""
        values = self.params.values(self.unit)
        frame = pd.DataFrame(values, columns=list(self.params.paths))
        for k, kpi in enumerate(self.kpis):
            frame[kpi] = self.outputs[:, k]
        return frame

    def meta(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "samples": self.samples,
            "evaluations": int(len(self.unit) + 1 + 2 * len(self.params.paths)),
            "replications": self.replications,
            "seed": self.seed,
            "kpis": list(self.kpis),
            "sign_flips": self.flips,
            "nominal_kpis": {
                str(r["kpi"]): float(r["kpi_mean"])
                for r in self.oat[self.oat["parameter"] == "(nominal)"].to_dict("records")
            },
            "parameters": {
                p: {
                    "prior": prior.model_dump(mode="json", by_alias=True),
                    "nominal": self.nominal[p],
                    "p05": prior.value_at(OAT_QUANTILES[0]),
                    "p95": prior.value_at(OAT_QUANTILES[1]),
                }
                for p, prior in zip(self.params.paths, self.params.priors, strict=True)
            },
        }


def nominal_values(scenario: Scenario, paths: Sequence[str]) -> dict[str, float]:
    """Each parameter's value in the scenario (the nominal world)."""
    from loyalsim.scenario.overrides import parse_path

    data = scenario.model_dump(mode="json", by_alias=True)
    out = {}
    for path in paths:
        node: Any = data
        for part in parse_path(path):
            node = node[part]
        out[path] = float(node)
    return out


def sensitivity(
    scenario: Scenario,
    method: Method = "morris",
    kpis: Sequence[str] = DEFAULT_KPIS,
    parameters: Sequence[str] = (),
    samples: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SensitivityStudy:
    """Global indices (Morris or Sobol) and the one-at-a-time tornado of ``kpis``."""
    check_priors(scenario)
    params = parameters_of(scenario, parameters)
    seed = scenario.seed if seed is None else seed
    count = replications or scenario.replications
    n = samples or (10 if method == "morris" else 32)
    model = SimulatorModel(
        scenario, params.paths, tuple(kpis), count, seed, jobs, scheduler, progress
    )
    indices, unit, y = global_indices(method, params, model, tuple(kpis), n, seed)
    nominal = nominal_values(scenario, params.paths)
    oat = one_at_a_time(params, model, nominal)
    flips = sign_flips(oat) if "incremental_profit" in kpis else []
    return SensitivityStudy(
        method, params, tuple(kpis), indices, oat, flips, unit, y, nominal, n, count, seed
    )
