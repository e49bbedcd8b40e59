"""The ``search:`` section of a scenario: what ``loyalsim optimize`` may change and what it wants.

Parameters are dotted paths into the scenario (the same paths as ``--set``), each with a
numeric range (``low``/``high``, optional ``step``, ``log``) or a list of ``choices`` whose
values may be whole sub-documents (``program.expiry: [{policy: none}, {policy: inactivity,
days: 180}]``). Objectives are scalar KPIs with a direction; constraints bound KPIs
(``cost_to_revenue <= 0.05``). The structure is checked by pydantic here; whether paths exist,
values validate and KPI names are known is checked against the scenario by
:func:`search_problems` when the scenario loads.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from loyalsim.spec import MAX_REPLICATIONS, Spec

if TYPE_CHECKING:
    from loyalsim.scenario.models import Scenario

SEARCH_LIMIT = 10**12
"""Largest magnitude of a searched range's ends and step (the scenario bounds the values too)."""
Number = (
    Annotated[int, Field(ge=-SEARCH_LIMIT, le=SEARCH_LIMIT)]
    | Annotated[float, Field(ge=-SEARCH_LIMIT, le=SEARCH_LIMIT)]
)
Direction = Literal["maximize", "minimize"]
_DIRECTIONS = {
    "maximize": "maximize",
    "maximise": "maximize",
    "max": "maximize",
    "minimize": "minimize",
    "minimise": "minimize",
    "min": "minimize",
}
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=)\s*(\S+)\s*$")


def _also(*shorthands: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """``json_schema_extra`` that lets the JSON Schema accept the model's shorthand forms too
    (what its ``mode="before"`` validator rewrites), so editors do not flag valid files."""

    def extra(schema: dict[str, Any]) -> None:
        full = dict(schema)
        schema.clear()
        schema.update(
            {k: full[k] for k in ("title", "description") if k in full},
            anyOf=[full, *shorthands],
        )

    return extra


_DIRECTION_WORDS = sorted(_DIRECTIONS)


class ParameterSpec(Spec):
    """One searched parameter: a numeric range or a list of choices (exactly one of the two)."""

    model_config = ConfigDict(
        json_schema_extra=_also(
            {"type": "array", "minItems": 1, "description": "shorthand for {choices: [...]}"}
        )
    )

    low: Number | None = None
    high: Number | None = None
    step: Number | None = Field(default=None, gt=0)
    log: bool = False
    type: Literal["int", "float"] | None = None
    choices: list[Any] | None = Field(default=None, min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _list_means_choices(cls, value: Any) -> Any:
        """``path: [a, b]`` is shorthand for ``path: {choices: [a, b]}``."""
        return {"choices": value} if isinstance(value, list) else value

    @model_validator(mode="after")
    def _range_or_choices(self) -> ParameterSpec:
        ranged = self.low is not None or self.high is not None
        if self.choices is not None:
            if ranged or self.step is not None or self.log or self.type is not None:
                raise ValueError("give either 'choices' or a range (low/high), not both")
            labels = [choice_label(c) for c in self.choices]
            if len(set(labels)) != len(labels):
                raise ValueError("choices must be distinct")
            return self
        if self.low is None or self.high is None:
            raise ValueError("give 'low' and 'high' (a range) or 'choices'")
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError(f"log scale needs low > 0 (got {self.low})")
        if self.log and self.step is not None:
            raise ValueError("log scale and step cannot be combined")
        if self.is_int and not all(
            float(v).is_integer() for v in (self.low, self.high, self.step or 1)
        ):
            raise ValueError("an int parameter needs whole low, high and step")
        return self

    @property
    def is_int(self) -> bool:
        """Integer-valued: ``type: int``, or low/high (and step) all written as integers."""
        if self.type is not None:
            return self.type == "int"
        values = (self.low, self.high) + ((self.step,) if self.step is not None else ())
        return all(isinstance(v, int) and not isinstance(v, bool) for v in values)

    def grid(self) -> list[Any]:
        """Every value of a finite parameter (choices, int range, or float range with step)."""
        if self.choices is not None:
            return [choice_label(c) for c in self.choices]
        assert self.low is not None and self.high is not None
        if self.is_int:
            return list(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        if self.step is None:
            raise ValueError("a float range needs a 'step' for grid search")
        count = math.floor((self.high - self.low) / self.step + 1e-9) + 1
        return [round(self.low + i * self.step, 12) for i in range(count)]

    def decode(self, value: Any) -> Any:
        """The scenario value for an Optuna parameter value (choices are stored as labels)."""
        if self.choices is None:
            return int(value) if self.is_int else float(value)
        for choice in self.choices:
            if choice_label(choice) == value:
                return choice
        raise ValueError(f"{value!r} is not one of the choices")


def choice_label(value: Any) -> Any:
    """Optuna stores only scalars: sub-documents become compact, key-sorted JSON strings."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class ObjectiveSpec(Spec):
    """A scalar KPI to maximise or minimise."""

    model_config = ConfigDict(
        json_schema_extra=_also(
            {
                "type": "string",
                "pattern": rf"^\s*({'|'.join(_DIRECTION_WORDS)})\s+[A-Za-z_][A-Za-z0-9_.]*\s*$",
                "description": "shorthand: 'maximize incremental_profit'",
            },
            {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "additionalProperties": {"enum": _DIRECTION_WORDS},
                "description": "shorthand: {incremental_profit: maximize}",
            },
        )
    )

    kpi: str
    direction: Direction

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        """``{incremental_profit: maximize}`` or ``"maximize incremental_profit"`` also work."""
        if isinstance(value, str) and len(value.split()) == 2:
            direction, kpi = value.split()
            return {"kpi": kpi, "direction": direction}
        if isinstance(value, dict) and len(value) == 1 and "kpi" not in value:
            ((kpi, direction),) = value.items()
            return {"kpi": kpi, "direction": direction}
        return value

    @field_validator("direction", mode="before")
    @classmethod
    def _spelling(cls, value: Any) -> Any:
        return _DIRECTIONS.get(str(value).lower(), value)


def _bound(word: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"kpi": {"type": "string"}, word: {"type": "number"}},
        "required": ["kpi", word],
        "additionalProperties": False,
        "description": f"shorthand: {{kpi: liability, {word}: 50000}}",
    }


class ConstraintSpec(Spec):
    """A bound on a KPI: ``kpi <= bound`` or ``kpi >= bound`` (string form accepted)."""

    model_config = ConfigDict(
        json_schema_extra=_also(
            {
                "type": "string",
                "pattern": _CONSTRAINT.pattern,
                "description": "shorthand: 'cost_to_revenue <= 0.05'",
            },
            _bound("max"),
            _bound("min"),
        )
    )

    kpi: str
    op: Literal["<=", ">="]
    bound: Annotated[float, Field(ge=-1e15, le=1e15)]

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        """``"cost_to_revenue <= 0.05"``, or ``{kpi: liability, max: 50000}`` / ``min:``."""
        if isinstance(value, str):
            match = _CONSTRAINT.match(value)
            if not match:
                raise ValueError(f"constraint '{value}' must look like 'kpi <= number'")
            kpi, op, raw = match.groups()
            try:
                bound = float(raw)
            except ValueError:
                raise ValueError(f"constraint '{value}': '{raw}' is not a number") from None
            return {"kpi": kpi, "op": op, "bound": bound}
        if isinstance(value, dict) and ("max" in value or "min" in value):
            rest = {k: v for k, v in value.items() if k not in ("max", "min")}
            if "max" in value and "min" in value:
                raise ValueError("give 'max' or 'min', not both (write two constraints)")
            op = "<=" if "max" in value else ">="
            return {**rest, "op": op, "bound": value.get("max", value.get("min"))}
        return value

    @property
    def label(self) -> str:
        return f"{self.kpi} {self.op} {self.bound:g}"

    def violation(self, value: float) -> float:
        """Optuna's convention: <= 0 when satisfied; an undefined (NaN) KPI counts as violated."""
        if math.isnan(value):
            return math.inf
        return value - self.bound if self.op == "<=" else self.bound - value


DEFAULT_OBJECTIVES = (
    ObjectiveSpec(kpi="incremental_profit", direction="maximize"),
    ObjectiveSpec(kpi="cost_to_revenue", direction="minimize"),
    ObjectiveSpec(kpi="bad_breakage_rate", direction="minimize"),
)


class SearchSpec(Spec):
    """What the optimiser searches, what it wants and how precisely it measures each design."""

    parameters: dict[str, ParameterSpec] = Field(min_length=1)
    objectives: list[ObjectiveSpec] = Field(default_factory=lambda: list(DEFAULT_OBJECTIVES))
    constraints: list[ConstraintSpec] = Field(default_factory=list)
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] | None = None
    recommend_replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] | None = None

    @model_validator(mode="after")
    def _distinct(self) -> SearchSpec:
        kpis = [o.kpi for o in self.objectives]
        if not kpis:
            raise ValueError("give at least one objective")
        if len(set(kpis)) != len(kpis):
            raise ValueError("each KPI may be an objective only once")
        return self

    def trial_replications(self, scenario: Scenario) -> int:
        """Replications per trial: the search's own, else the scenario's."""
        return self.replications or scenario.replications

    def final_replications(self, scenario: Scenario) -> int:
        """Replications for re-evaluating recommended designs (default 4x a trial's)."""
        return self.recommend_replications or 4 * self.trial_replications(scenario)


def search_problems(
    scenario: Scenario, known_kpis: Sequence[str] | None = None
) -> list[tuple[list[str | int], str]]:
    """Problems of ``scenario.search`` against the scenario itself, as (YAML path, message).

    Every parameter path must exist in the scenario (defaults included) and every value a
    parameter can take at its ends (low, high, each choice) must give a valid scenario on its
    own; objective and constraint KPIs must be among ``known_kpis`` (when given).
    """
    from loyalsim.errors import LoyalsimError
    from loyalsim.scenario.loader import with_overrides
    from loyalsim.scenario.overrides import parse_path

    search = scenario.search
    if search is None:
        return []
    base = scenario.model_copy(update={"search": None})
    data = base.model_dump(mode="json", by_alias=True)
    problems: list[tuple[list[str | int], str]] = []
    for path, spec in search.parameters.items():
        where: list[str | int] = ["search", "parameters", path]
        try:
            missing = _missing(data, parse_path(path))
        except LoyalsimError as exc:
            problems.append((where, str(exc)))
            continue
        if missing:
            problems.append((where, f"'{path}' does not exist in the scenario{missing}"))
            continue
        values = spec.choices if spec.choices is not None else [spec.low, spec.high]
        for value in values:
            value = spec.decode(choice_label(value))
            try:
                with_overrides(base, {path: value})
            except LoyalsimError as exc:
                detail = str(exc).split("\n", 1)[-1].strip().removeprefix("- ")
                problems.append((where, f"value {value!r} gives an invalid scenario: {detail}"))
    if known_kpis is None:
        return problems
    known = list(known_kpis)
    items = [("objectives", o.kpi) for o in search.objectives]
    items += [("constraints", c.kpi) for c in search.constraints]
    counts = {"objectives": 0, "constraints": 0}
    for section, kpi in items:
        index = counts[section]
        counts[section] += 1
        if kpi not in known:
            close = difflib.get_close_matches(kpi, known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
            problems.append((["search", section, index, "kpi"], f"unknown KPI '{kpi}'{hint}"))
    return problems


def _missing(data: Any, parts: list[str | int]) -> str:
    """Empty if ``parts`` names an existing node of ``data``, else why not (with a hint)."""
    node = data
    for depth, part in enumerate(parts):
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return f": no list item [{part}] after '{_join(parts[:depth])}'"
            node = node[part]
            continue
        if not isinstance(node, dict) or part not in node:
            keys = list(node) if isinstance(node, dict) else []
            close = difflib.get_close_matches(str(part), keys, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            listing = f" (there: {', '.join(keys)})" if keys else ""
            return f": no '{part}'{hint}{listing}"
        node = node[part]
    return ""


def _join(parts: list[str | int]) -> str:
    from loyalsim.scenario.overrides import format_path

    return format_path(parts)
