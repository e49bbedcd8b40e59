"""``loyalsim init``: write a commented starter scenario from a named template."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from loyalsim.errors import LoyalsimError
from loyalsim.experiments.scenarios import load_scenario
from loyalsim.outputs.files import write_text
from loyalsim.templates import TEMPLATES, template_text

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def init(
    name: Annotated[str, typer.Argument(help="Scenario name; writes NAME.yaml.")],
    template: Annotated[
        str, typer.Option("--template", "-t", help=f"Starter: {'|'.join(TEMPLATES)}.")
    ] = "cafe",
    directory: Annotated[
        Path, typer.Option("--dir", help="Directory to write NAME.yaml in.")
    ] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write NAME.yaml: a commented starter scenario (café, grocer, tiered, coalition, paid)."""
    if template not in TEMPLATES:
        allowed = "; ".join(f"{k} ({v})" for k, v in TEMPLATES.items())
        raise LoyalsimError(f"--template {template}: unknown template (allowed: {allowed})")
    stem = name.removesuffix(".yaml")
    if not _NAME.fullmatch(stem):
        raise LoyalsimError(
            f"'{name}': a scenario name for init is letters, digits, '_', '-' or '.' "
            "(it names the file)"
        )
    path = directory / f"{stem}.yaml"
    if path.exists() and not force:
        raise LoyalsimError(f"{path} already exists; pass --force to overwrite it")
    write_text(path, template_text(template, stem))
    load_scenario(path)  # a template that does not validate is a bug: fail loudly here
    console = Console()
    console.print(f"wrote {path} ({TEMPLATES[template]})")
    console.print(f"next: loyalsim validate {path} && loyalsim run {path} --out runs/{stem}")
