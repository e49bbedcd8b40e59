"""Entry point: builds the Typer app and registers every command explicitly, in one place.

Command modules define plain functions and never import this module (the imports go one way,
app -> *_cmd). Each command imports its heavy libraries (pandas, scipy, optuna, matplotlib)
inside its body, so ``--help``, ``--version`` and ``validate`` start fast.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from loyalsim.cli import (
    calibrate_cmd,
    compare_cmd,
    init_cmd,
    optimize_cmd,
    report_cmd,
    run_cmd,
    scenario_cmds,
    sensitivity_cmd,
)
from loyalsim.errors import LoyalsimError

app = typer.Typer(
    name="loyalsim",
    help="Design customer loyalty programs in a simulator before launching them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
)
err_console = Console(stderr=True, soft_wrap=True)

app.command(name="run")(run_cmd.run)
app.command(name="compare")(compare_cmd.compare_cmd)
app.command(name="optimize")(optimize_cmd.optimize)
app.command(name="calibrate")(calibrate_cmd.calibrate)
app.command(name="sensitivity")(sensitivity_cmd.sensitivity_cmd)
app.command(name="report")(report_cmd.report)
app.command(name="validate")(scenario_cmds.validate)
app.command(name="schema")(scenario_cmds.schema)
app.command(name="init")(init_cmd.init)


def version() -> str:
    """The installed distribution's version (the package's own when run from a source tree)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version

    try:
        return installed_version("loyalsim")
    except PackageNotFoundError:
        from loyalsim import __version__

        return __version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"loyalsim {version()}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Options that apply before any command."""


def main() -> None:
    """Run the CLI; user errors print one clear message and exit non-zero, never a traceback."""
    try:
        app()
    except LoyalsimError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("[bold red]interrupted[/]")
        sys.exit(130)
