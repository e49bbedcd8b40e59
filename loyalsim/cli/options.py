"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from loyalsim.scenario.overrides import parse_assignment

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override a scenario field by dotted path, e.g. "
        "--set program.rewards.catalogue[0].points=8 (repeatable; the value is read as YAML).",
    ),
]


def overrides_from(assignments: list[str] | None) -> dict[str, Any]:
    """``['a.b=1', ...]`` -> ``{'a.b': 1, ...}`` (later assignments win)."""
    return dict(parse_assignment(a) for a in assignments or [])
