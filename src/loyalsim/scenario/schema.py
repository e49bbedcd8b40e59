"""The JSON Schema of scenario files, with a description on every field (for editors).

Descriptions come from ``field_docs.yaml`` (package data, written from the docs); ``kind`` and
``dist`` discriminators are described here from their constant values.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from loyalsim.scenario.models import Scenario

DOCS_FILE = "field_docs.yaml"


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
    return schema
