"""The ``uncertainty:`` section: priors over parameters and how many worlds to draw from them.

A prior can be written where the number would go (``behaviour: {goal_gradient: {dist:
uniform, low: 1, high: 3}}``) or under ``uncertainty.priors`` by dotted path. Inline priors
are moved into ``uncertainty.priors`` when the scenario is validated and the field takes the
prior's median as its *nominal* value; a prior given under ``uncertainty.priors`` leaves the
field's own value (written or default) as the nominal one. ``{dist: library}`` (or the word
``library``) takes the documented prior of that parameter from the prior library
(``prior_library.yaml``, docs/uncertainty.md); ``library: true`` adds every library prior
marked "assumption" for a parameter the scenario leaves at its default (a value the scenario
writes is kept, see :func:`library_priors`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, TypeAdapter, ValidationError, model_validator

from loyalsim.scenario.priors import Prior, is_prior
from loyalsim.spec import MAX_REPLICATIONS, Spec

PROB_KPI = "prob_incremental_profit_positive"
"""Summary KPI of a world-sampled run: the share of worlds whose program pays for itself."""
LIBRARY_FILE = "prior_library.yaml"
INLINE_SECTIONS = ("behaviour", "economics")
"""Sections whose numbers may be written as priors in place."""

_PRIOR = TypeAdapter(Prior)


@dataclass(frozen=True)
class LibraryEntry:
    """One documented prior: the library default, the prior, its source and status."""

    path: str
    default: float
    prior_data: dict[str, Any]
    assumption: bool
    source: str

    @property
    def prior(self) -> Any:
        return _PRIOR.validate_python({**self.prior_data, "source": self.source})


@functools.cache
def prior_library() -> dict[str, LibraryEntry]:
    """Dotted path -> the library's documented prior (package data ``prior_library.yaml``)."""
    text = resources.files(__package__).joinpath(LIBRARY_FILE).read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return {
        path: LibraryEntry(
            path=path,
            default=float(entry["default"]),
            prior_data=dict(entry["prior"]),
            assumption=bool(entry["assumption"]),
            source=str(entry["source"]),
        )
        for path, entry in sorted(raw.items())
    }


def assumption_paths() -> list[str]:
    """Paths of the library priors whose size docs/model.md calls an assumption."""
    return [p for p, e in prior_library().items() if e.assumption]


def _resolve(path: str, value: Any) -> Any:
    """``library`` / ``{dist: library}`` -> the library's prior data for ``path``."""
    wants_library = value == "library" or (
        isinstance(value, dict) and value.get("dist") == "library"
    )
    if not wants_library:
        return value
    entry = prior_library().get(path)
    if entry is None:
        known = ", ".join(prior_library())
        raise ValueError(f"no library prior for '{path}' (library priors: {known})")
    extra = {k: v for k, v in value.items() if k != "dist"} if isinstance(value, dict) else {}
    if extra:
        raise ValueError(f"'{path}': {{dist: library}} takes no other keys (got {sorted(extra)})")
    return {**entry.prior_data, "source": entry.source}


class UncertaintySpec(Spec):
    """Priors over parameters and how many parameter worlds a run draws from them."""

    worlds: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 1
    """Parameter worlds drawn from the priors; every world runs the same replications."""
    library: bool = False
    """Add every library prior marked "assumption" that the scenario does not set itself."""
    priors: dict[str, Prior] = Field(default_factory=dict)
    """Dotted path -> prior."""
    objective: Literal["mean", "quantile", "cvar"] = "mean"
    """How ``loyalsim optimize`` aggregates an objective over worlds (docs/uncertainty.md)."""
    level: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.1
    """Tail share of ``quantile`` and ``cvar`` (0.1: the worst tenth of worlds)."""

    @model_validator(mode="before")
    @classmethod
    def _library_priors(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("priors", {}), dict):
            return data
        priors = {p: _resolve(p, v) for p, v in data.get("priors", {}).items()}
        if data.get("library") is True:
            for path in assumption_paths():
                priors.setdefault(path, _resolve(path, "library"))
        return {**data, "priors": dict(sorted(priors.items())), "library": False}


def inline_paths(data: Any) -> list[str]:
    """Dotted paths of the priors written in place of numbers in raw scenario data."""
    if not isinstance(data, dict):
        return []
    return [
        f"{section}.{key}"
        for section in INLINE_SECTIONS
        if isinstance(data.get(section), dict)
        for key, value in data[section].items()
        if is_prior(value) or value == "library"
    ]


def extract_inline(data: Any) -> Any:
    """Move priors written in place of numbers (``behaviour``, ``economics``) into
    ``uncertainty.priors``; the field keeps the prior's median (nominal value). A prior that
    does not validate is moved all the same (its error is reported there) and the field is
    left to its default."""
    if not isinstance(data, dict):
        return data
    moved: dict[str, Any] = {}
    out = dict(data)
    for section in INLINE_SECTIONS:
        block = data.get(section)
        if not isinstance(block, dict):
            continue
        kept = dict(block)
        for key, value in block.items():
            if not is_prior(value) and value != "library":
                continue
            path = f"{section}.{key}"
            try:
                resolved = _resolve(path, value)
                kept[key] = _PRIOR.validate_python(resolved).median()
            except (ValueError, ValidationError):
                resolved = value
                del kept[key]
            moved[path] = resolved
        out[section] = kept
    if not moved:
        return data
    spec = data.get("uncertainty") or {}
    if not isinstance(spec, dict):
        return data
    given = spec.get("priors") or {}
    if isinstance(given, Mapping):
        twice = sorted(set(given) & set(moved))
        if twice:
            raise ValueError(
                f"prior for {', '.join(twice)} given twice: in place and under uncertainty.priors"
            )
        out["uncertainty"] = {**spec, "priors": {**given, **moved}}
    return out


def library_priors(data: Any) -> Any:
    """Expand ``uncertainty.library: true`` in raw scenario data: a library prior for every
    "assumption" parameter the scenario leaves at its default. A parameter the scenario sets to
    a number keeps that number (no prior); one with a prior of its own keeps that prior."""
    if not isinstance(data, dict):
        return data
    spec = data.get("uncertainty")
    if not isinstance(spec, dict) or spec.get("library") is not True:
        return data
    given = spec.get("priors") or {}
    if not isinstance(given, Mapping):
        return data
    priors = dict(given)
    for path in assumption_paths():
        if path not in priors and not _set_in(data, path):
            priors[path] = _resolve(path, "library")
    return {**data, "uncertainty": {**spec, "priors": priors, "library": False}}


def _set_in(data: Mapping[str, Any], path: str) -> bool:
    """Whether raw data writes a value at dotted ``path`` (plain keys only)."""
    node: Any = data
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def prior_problems(scenario: Any, inline: Sequence[str] = ()) -> list[str]:
    """What is wrong with a scenario's priors: a path that names no number of the scenario,
    or a prior that can draw a value the field does not allow (checked at the two most extreme
    draws, so every world is a valid scenario)."""
    from loyalsim.scenario.overrides import apply_overrides, parse_path

    if scenario.uncertainty is None:
        return []
    data = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    data.pop("uncertainty", None)
    full = scenario.model_dump(mode="json", by_alias=True)
    problems = []
    for path, prior in scenario.uncertainty.priors.items():
        where = path if path in inline else f"uncertainty.priors.{path}"
        try:
            value = _value_at(full, parse_path(path))
        except (LookupError, TypeError, ValueError):
            value = None
        if not isinstance(value, float):
            problems.append(
                f"{where}: '{path}' is not a number of this scenario (a prior goes on a "
                "decimal parameter, e.g. behaviour.goal_gradient or economics.gross_margin)"
            )
            continue
        for extreme in prior.extremes():
            try:
                type(scenario).model_validate(apply_overrides(data, {path: extreme}))
            except ValidationError as exc:
                reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
                problems.append(
                    f"{where}: {prior.describe()} can draw {extreme:.4g}, which {path} does not "
                    f"allow ({reason}); choose a prior within the field's range (uniform, "
                    "triangular or beta with low/high, lognormal for positive values)"
                )
                break
    return problems


def _value_at(data: Any, parts: list[str | int]) -> Any:
    node = data
    for part in parts:
        node = node[part]
    return node
