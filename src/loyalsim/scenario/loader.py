"""Read scenario YAML safely and turn validation failures into messages a strategist can act on.

Each problem names the file and line, the YAML path (``program.rewards.catalogue[0].points``),
the rule that failed and the value given; unknown keys get a did-you-mean hint.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from loyalsim.errors import ScenarioError
from loyalsim.mechanics import REGISTRY
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.overrides import apply_overrides, format_path, parse_path
from loyalsim.scenario.search import search_problems
from loyalsim.scenario.uncertainty import (
    extract_inline,
    inline_paths,
    library_priors,
    prior_problems,
)
from loyalsim.scenario.yaml_reader import YamlProblem, read_file, read_yaml

_TAGS = ("kind", "dist")


KpiNames = Callable[[Scenario], Sequence[str]]
"""The KPI keys a scenario reports (the KPI catalogue's ``keys_for``), to check ``search:``."""


def load_scenario(
    path: str | Path, overrides: Mapping[str, Any] | None = None, kpis: KpiNames | None = None
) -> Scenario:
    """Load, override and validate a scenario file; raise :class:`ScenarioError` on any problem.

    ``kpis`` lists the KPIs the scenario reports, to check ``search:`` objectives and
    constraints against (unchecked without it; :func:`loyalsim.load_scenario` passes it)."""
    path = Path(path)
    source = str(path)
    try:
        text = read_file(path)
    except FileNotFoundError:
        raise ScenarioError(source, ["file not found"]) from None
    except YamlProblem as exc:
        raise ScenarioError(source, [str(exc)]) from None
    except OSError as exc:
        raise ScenarioError(source, [f"cannot read file: {exc.strerror or exc}"]) from None
    return parse_scenario(text, source, overrides, kpis)


def parse_scenario(
    text: str,
    source: str = "<scenario>",
    overrides: Mapping[str, Any] | None = None,
    kpis: KpiNames | None = None,
) -> Scenario:
    """Validate scenario YAML ``text``; ``source`` names it in error messages."""
    try:
        document = read_yaml(text)
    except YamlProblem as exc:
        raise ScenarioError(source, [str(exc)]) from None
    data, root = document.data, document.root
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ScenarioError(source, [f"top level must be a mapping of sections, got {kind}"])
    if overrides:
        data = apply_overrides(data, overrides)
        source += " with --set " + ", ".join(f"{k}={_short(v)}" for k, v in overrides.items())
    scenario = validate_data(data, source, root)
    check_search(scenario, source, root, kpis)
    return scenario


def check_search(
    scenario: Scenario, source: str, root: yaml.Node | None = None, kpis: KpiNames | None = None
) -> None:
    """Check the ``search:`` section against the scenario it belongs to (paths, values and,
    given ``kpis``, the objective and constraint KPIs)."""
    known = None if kpis is None or scenario.search is None else kpis(scenario)
    problems = search_problems(scenario, known)
    if problems:
        messages = []
        for path, message in problems:
            line = _line_of(root, path)
            messages.append(f"{f'line {line}: ' if line else ''}{format_path(path)}: {message}")
        raise ScenarioError(source, messages)


def validate_data(data: Any, source: str, root: yaml.Node | None = None) -> Scenario:
    """Validate plain scenario data (already parsed), formatting any errors; priors written in
    place of numbers are moved to ``uncertainty.priors`` first, and errors in them are named
    where they were written."""
    if isinstance(data, dict) and isinstance(data.get("program"), dict):
        data = {**data, "program": Scenario.with_default_kinds(data["program"])}
    inline = inline_paths(data)
    try:
        data = library_priors(extract_inline(data))
    except ValueError as exc:
        raise ScenarioError(source, [str(exc)]) from None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(err, data, root, inline) for err in exc.errors()]
        raise ScenarioError(source, problems) from None
    problems = prior_problems(scenario, inline)
    if problems:
        raise ScenarioError(source, problems)
    return scenario


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any], source: str = "") -> Scenario:
    """A new scenario with dotted-path ``overrides`` applied (the spec stays immutable)."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    label = source or f"scenario '{scenario.name}'"
    label += " with " + ", ".join(f"{k}={_short(v)}" for k, v in overrides.items())
    return validate_data(apply_overrides(data, overrides), label)


def _describe(err: Any, data: Any, root: yaml.Node | None, inline: Sequence[str] = ()) -> str:
    path = _user_path(err["loc"], data)
    if path[:2] == ["uncertainty", "priors"] and len(path) > 2 and path[2] in inline:
        path = [*parse_path(str(path[2])), *path[3:]]  # a prior written in place
    where = format_path(path) or "(top level)"
    line = _line_of(root, path)
    prefix = f"line {line}: " if line else ""
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(path[:-1], data)
        hint = ""
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
        if close:
            hint = f"; did you mean '{close[0]}'?"
        listing = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"{prefix}{where}: unknown key{hint}{listing}"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        return f"{prefix}{where}: required field is missing"
    if err["type"] == "union_tag_invalid":
        tag = err.get("ctx", {}).get("discriminator", "kind").strip("'")
        expected = err.get("ctx", {}).get("expected_tags", "")
        value = err.get("ctx", {}).get("tag", "")
        return f"{prefix}{where}.{tag}: unknown {tag} '{value}' (allowed: {expected})"
    if err["type"] == "union_tag_not_found":
        tag = err.get("ctx", {}).get("discriminator", "kind").strip("'")
        kinds = ", ".join(sorted(REGISTRY)) if tag == "kind" else ""
        listing = f" (allowed: {kinds})" if kinds else ""
        return f"{prefix}{where}: '{tag}' is missing: say which mechanic this is{listing}"
    value = err.get("input")
    if isinstance(value, Mapping) and err["type"] == "value_error":
        # a rule across fields: name the fields it mentions, not the whole section
        fields = [k for k in value if re.search(rf"\b{re.escape(str(k)).rstrip('s')}s?\b", message)]
        named = ", ".join(format_path([*path, k]) for k in fields)
        return f"{prefix}{where}: {message}" + (f" (fields: {named})" if named else "")
    shown = "" if err["type"].startswith("union_tag") else f" (got {_short(value)})"
    return f"{prefix}{where}: {message}{shown}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _user_path(loc: tuple[Any, ...], data: Any) -> list[str | int]:
    """Drop pydantic's union tags and validator names from a location, keeping YAML keys."""
    path: list[str | int] = []
    node = data
    tag_skipped = False  # a union tag appears once per node: a second equal part is a field
    for part in loc:
        if isinstance(part, str) and "[" in part:
            continue
        if isinstance(node, dict):
            if part not in node and not tag_skipped and any(node.get(t) == part for t in _TAGS):
                tag_skipped = True
                continue
            tag_skipped = False
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
        path.append(part)
    return path


def _line_of(root: yaml.Node | None, path: list[str | int]) -> int | None:
    """1-based line of ``path`` in the YAML node tree (the deepest existing node)."""
    node = root
    line = None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == part]
            if not match:
                break
            key, node = match[0]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _allowed_keys(path: list[str | int], data: Any) -> list[str]:
    """Field names (YAML spelling) of the model found at ``path`` below :class:`Scenario`."""
    annotation: Any = Scenario
    node = data
    for part in path:
        model = _model_of(annotation, node)
        if model is not None:
            field = model.model_fields.get(str(part))
            if field is None:
                field = next((f for f in model.model_fields.values() if f.alias == part), None)
            if field is None:
                return []
            annotation = field.annotation
        else:
            args = typing.get_args(_strip(annotation))
            annotation = args[-1] if args else None
        node = (
            node.get(part)
            if isinstance(node, dict)
            else (node[part] if isinstance(node, list) and isinstance(part, int) else None)
        )
    model = _model_of(annotation, node)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _strip(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _model_of(annotation: Any, node: Any) -> type[BaseModel] | None:
    """The model class an annotation stands for, choosing a union member by its tag."""
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [_strip(a) for a in typing.get_args(annotation)]
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        for model in models:
            for tag in _TAGS:
                field = model.model_fields.get(tag)
                if field is not None and isinstance(node, dict) and node.get(tag) == field.default:
                    return model
        return models[0] if len(models) == 1 else None
    return None
