"""The scenario: one immutable, validated spec of a simulated program and its customers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, Strict, ValidationInfo, field_validator, model_validator

from loyalsim.mechanics import REGISTRY, MechanicSpec
from loyalsim.scenario.accounting import AccountingSpec
from loyalsim.scenario.behaviour import BehaviourSpec, EconomicsSpec, KpiSpec
from loyalsim.scenario.magnitudes import points_problem
from loyalsim.scenario.population import PopulationSpec
from loyalsim.scenario.search import SearchSpec
from loyalsim.scenario.uncertainty import UncertaintySpec, extract_inline
from loyalsim.spec import MAX_DAYS, MAX_REPLICATIONS, SEED_MAX, DayOrDate, Spec, day_offset

DAYS_PER_YEAR = 365
"""Length of a simulated year (``horizon.years``, ``yearly.csv``, discounting)."""


class Horizon(Spec):
    """Simulated period, in ``days``, ``weeks`` or ``years`` of 365 days (exactly one)."""

    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] | None = None
    weeks: Annotated[int, Field(ge=1, le=MAX_DAYS // 7)] | None = None
    years: Annotated[int, Field(ge=1, le=MAX_DAYS // 365)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Horizon:
        given = [v for v in (self.days, self.weeks, self.years) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'days', 'weeks' or 'years'")
        return self

    @property
    def total_days(self) -> int:
        if self.days is not None:
            return self.days
        if self.weeks is not None:
            return 7 * self.weeks
        return DAYS_PER_YEAR * (self.years or 0)


class Scenario(Spec):
    """A complete simulation set-up: customers, program design, economics and run settings."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000)
    seed: Annotated[int, Field(ge=0, le=SEED_MAX)] = 0
    horizon: Horizon
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 1
    start_date: Annotated[dt.date, Strict(False)] = dt.date(2026, 1, 5)
    """Lax: YAML reads ``2026-01-05`` as a date, JSON copies of a scenario carry a string."""
    program_launch: DayOrDate = 0
    """The day the program starts: a day of the horizon (0 = ``start_date``) or a date in it.
    Before it the program arm is the no-program control (same customers, same draws)."""
    population: PopulationSpec
    behaviour: BehaviourSpec = BehaviourSpec()
    program: dict[str, MechanicSpec] = Field(default_factory=dict)
    current_program: dict[str, MechanicSpec] | None = None
    """The program that runs today (with ``population.existing_base``): results are also
    reported against keeping it (``*_vs_current`` KPIs, a ``current`` arm in yearly.csv)."""
    economics: EconomicsSpec
    kpi: KpiSpec = KpiSpec()
    accounting: AccountingSpec = AccountingSpec()
    search: SearchSpec | None = None
    uncertainty: UncertaintySpec | None = None

    @field_validator("program_launch")
    @classmethod
    def _launch_in_horizon(cls, value: int | dt.date, info: ValidationInfo) -> int | dt.date:
        horizon, start = info.data.get("horizon"), info.data.get("start_date")
        if horizon is None or start is None:
            return value  # their own errors are reported
        last = horizon.total_days - 1
        day = day_offset(value, start)
        if not 0 <= day <= last:
            end = start + dt.timedelta(days=last)
            where = "before start_date" if day < 0 else "after the horizon's last day"
            raise ValueError(
                f"{value} is {where}; allowed: a day 0-{last} of the horizon or a date from "
                f"{start.isoformat()} to {end.isoformat()}"
            )
        return value

    @property
    def launch_day(self) -> int:
        """Day of the horizon the program starts (``program_launch`` as a day offset)."""
        return day_offset(self.program_launch, self.start_date)

    @model_validator(mode="before")
    @classmethod
    def _inline_priors(cls, data: Any) -> Any:
        """A prior written in place of a behaviour or economics number moves to
        ``uncertainty.priors`` (the field keeps its median as the nominal value)."""
        return extract_inline(data)

    @field_validator("program", "current_program", mode="before")
    @classmethod
    def with_default_kinds(cls, value: Any) -> Any:
        """``program: {rewards: {...}}`` may omit ``kind`` when the key is a mechanic kind."""
        if isinstance(value, dict):
            return {
                key: {"kind": key, **spec}
                if isinstance(spec, dict) and "kind" not in spec and key in REGISTRY
                else spec
                for key, spec in value.items()
            }
        return value

    @model_validator(mode="after")
    def _program_is_coherent(self) -> Scenario:
        kinds = [m.kind for m in self.program.values()]
        earning = {"spend_earning", "visit_earning"} & set(kinds)
        if "rewards" in kinds and not earning and "enrolment" not in kinds:
            raise ValueError("program has rewards but no way to earn points")
        for kind in sorted(set(kinds)):
            if REGISTRY[kind].singleton and kinds.count(kind) > 1:
                raise ValueError(f"program may have at most one '{kind}' mechanic")
        for name, spec in self.program.items():
            check = getattr(spec, "check_program", None)
            if check is not None:
                check(name, self)  # cross-section rules (tier names, segment names)
        if self.launch_day and self.population.existing_base is not None:
            raise ValueError(
                f"program_launch: {self.program_launch} is after start_date, but "
                "population.existing_base says the program already runs on day 0; allowed: "
                "program_launch 0 with an existing base, or no existing_base for a later launch"
            )
        if self.current_program is not None:
            if self.population.existing_base is None:
                raise ValueError(
                    "current_program needs population.existing_base (the base it runs on)"
                )
            current = [m.kind for m in self.current_program.values()]
            for kind in sorted(set(current)):
                if REGISTRY[kind].singleton and current.count(kind) > 1:
                    raise ValueError(f"current_program may have at most one '{kind}' mechanic")
        return self

    @model_validator(mode="after")
    def _points_fit(self) -> Scenario:
        problem = points_problem(self)
        if problem:
            raise ValueError(problem)
        return self
