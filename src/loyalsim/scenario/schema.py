"""The JSON Schema of scenario files, with a description on every field (for editors).

Descriptions come from ``field_docs.yaml`` (package data, written from the docs); ``kind`` and
``dist`` discriminators are described here from their constant values. A decimal number of
``behaviour`` or ``economics`` may be written as a prior (docs/uncertainty.md), so the schema
gives those fields as ``anyOf``: the number, one of the five prior forms, or the named library
prior (``library`` / ``{dist: library}``).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from loyalsim.scenario.models import Scenario

DOCS_FILE = "field_docs.yaml"
PRIOR_SECTIONS = ("BehaviourSpec", "EconomicsSpec")
"""Models whose decimal fields accept a prior in place of the number."""
PRIOR_DEFS = ("UniformPrior", "TriangularPrior", "NormalPrior", "LognormalPrior", "BetaPrior")
NAMED_PRIOR = {
    "description": "The documented prior of this parameter from the prior library "
    "(docs/uncertainty.md).",
    "anyOf": [
        {"const": "library"},
        {
            "type": "object",
            "properties": {"dist": {"const": "library"}},
            "required": ["dist"],
            "additionalProperties": False,
        },
    ],
}
_KEPT = ("default", "title", "description")


def field_docs() -> dict[str, str]:
    """``Model.field`` -> description."""
    text = resources.files(__package__).joinpath(DOCS_FILE).read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def model_properties(model: dict[str, Any]) -> dict[str, Any]:
    """A model's properties, also when a shorthand form wrapped it in ``anyOf``."""
    if "properties" in model:
        return model["properties"]
    first = (model.get("anyOf") or [{}])[0]
    return first.get("properties", {})


def scenario_schema() -> dict[str, Any]:
    """``Scenario``'s JSON Schema with every property described."""
    schema = Scenario.model_json_schema(by_alias=True)
    docs = field_docs()
    models = [("Scenario", schema), *schema.get("$defs", {}).items()]
    for name, model in models:
        for field, prop in model_properties(model).items():
            if "description" in prop:
                continue
            if field == "kind" and "const" in prop:
                text = f"Which mechanic this is: {prop['const']} (docs/mechanics*.md)."
            elif field == "dist" and "const" in prop:
                text = f"Trait distribution: {prop['const']} (docs/scenario-format.md)."
            else:
                text = docs.get(f"{name}.{field}", "")
            if text:
                prop["description"] = text
    _accept_priors(schema)
    return schema


def _accept_priors(schema: dict[str, Any]) -> None:
    """Let the decimal fields of behaviour and economics (and ``uncertainty.priors``) take a
    prior: ``anyOf`` the number, the five prior forms and the named library prior."""
    defs = schema["$defs"]
    defs["NamedPrior"] = NAMED_PRIOR
    priors = [{"$ref": f"#/$defs/{name}"} for name in PRIOR_DEFS] + [{"$ref": "#/$defs/NamedPrior"}]
    for name in PRIOR_SECTIONS:
        props = defs[name]["properties"]
        for field, prop in props.items():
            if prop.get("type") != "number":
                continue
            number = {k: v for k, v in prop.items() if k not in _KEPT}
            kept = {k: prop[k] for k in _KEPT if k in prop}
            props[field] = {**kept, "anyOf": [number, *priors]}
    table = defs["UncertaintySpec"]["properties"]["priors"]
    table["additionalProperties"] = {"anyOf": [table["additionalProperties"], priors[-1]]}
