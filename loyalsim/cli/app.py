"""Entry point: one Typer app; each command lives in its own module and registers itself."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from loyalsim.errors import LoyalsimError

app = typer.Typer(
    name="loyalsim",
    help="Design customer loyalty programs in a simulator before launching them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True, soft_wrap=True)


def main() -> None:
    """Run the CLI; user errors print one clear message and exit non-zero, never a traceback."""
    from loyalsim.cli import commands  # noqa: F401  (registers the commands)

    try:
        app()
    except LoyalsimError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("[bold red]interrupted[/]")
        sys.exit(130)
