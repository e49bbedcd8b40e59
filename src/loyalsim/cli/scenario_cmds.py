"""``loyalsim validate`` and ``loyalsim schema``: check scenario files, publish the format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from loyalsim.cli.options import SetOption, overrides_from
from loyalsim.errors import LoyalsimError, ScenarioError

err_console = Console(stderr=True, soft_wrap=True)


def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files to check.")],
    set_: SetOption = None,
) -> None:
    """Check scenario files against the schema; report every problem with its YAML path, and
    warn about rules that never fire within the horizon or rewards nobody can reach."""
    from loyalsim.experiments.scenarios import load_scenario
    from loyalsim.scenario.lint import scenario_warnings

    overrides = overrides_from(set_)
    console = Console()
    failed = 0
    for path in files:
        try:
            scenario = load_scenario(path, overrides)
        except ScenarioError as exc:
            failed += 1
            err_console.print(f"[bold red]invalid:[/] {escape(str(exc))}", highlight=False)
            continue
        console.print(f"[green]ok[/] {escape(f'{path}: {scenario.name!r}')}", highlight=False)
        for warning in scenario_warnings(scenario):
            err_console.print(
                f"[yellow]warning:[/] {escape(f'{path}: {warning}')}", highlight=False
            )
    if failed:
        raise LoyalsimError(f"{failed} of {len(files)} scenario file(s) invalid")


def schema(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the schema here instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of scenario files (for editor autocompletion, validation and
    tooltips: every field has a description)."""
    from loyalsim.scenario.schema import scenario_schema

    text = json.dumps(scenario_schema(), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    from loyalsim.outputs.files import write_text

    write_text(out, text)
