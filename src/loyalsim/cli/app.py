"""Entry point: builds the Typer app and registers every command explicitly, in one place.

Command modules define plain functions and never import this module (the imports go one way,
app -> *_cmd). Each command imports its heavy libraries (pandas, scipy, optuna, matplotlib)
inside its body, so ``--help``, ``--version`` and ``validate`` start fast.
"""

from __future__ import annotations

import sys
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.markup import escape

from loyalsim.cli import (
    calibrate_cmd,
    check_data_cmd,
    compare_cmd,
    init_cmd,
    optimize_cmd,
    report_cmd,
    response_cmd,
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
app.command(name="check-data")(check_data_cmd.check_data)
app.command(name="calibrate-response")(response_cmd.calibrate_response)
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


def main(argv: list[str] | None = None) -> None:
    """Run the CLI. Every error a user can cause, argument errors included, prints one
    ``error:`` line (and maybe a ``hint:`` line) and exits with a documented code
    (docs/exit-codes.md); an unexpected exception is reported the same way as an internal
    error (``LOYALSIM_DEBUG=1`` shows its traceback)."""
    import os

    from loyalsim import errors
    from loyalsim.outputs.provenance import remember_argv

    args = sys.argv[1:] if argv is None else argv
    remember_argv(args)
    try:
        code = app(args=args, prog_name="loyalsim", standalone_mode=False)
    except LoyalsimError as exc:
        _fail(str(exc), exc.hint, exc.exit_code)
    except _ARGUMENT_ERRORS as exc:  # bad flags, missing arguments, unknown commands
        context = getattr(exc, "ctx", None)
        command = context.command_path if context is not None else "loyalsim"
        message = getattr(exc, "format_message", exc.__str__)()
        _fail(message, f"see '{command} --help'", errors.EXIT_INPUT)
    except (KeyboardInterrupt, typer.Abort):
        _fail("interrupted", None, errors.EXIT_INTERRUPTED)
    except OSError as exc:
        if os.environ.get("LOYALSIM_DEBUG"):
            raise
        _fail(_os_message(exc), None, errors.EXIT_OUTPUT)
    except Exception as exc:
        if os.environ.get("LOYALSIM_DEBUG"):
            raise
        _fail(
            f"internal error ({type(exc).__name__}: {exc})",
            "this is a bug in loyalsim; rerun with LOYALSIM_DEBUG=1 for the traceback and "
            "report it",
            errors.EXIT_INTERNAL,
        )
    sys.exit(code if isinstance(code, int) else 0)


_ARGUMENT_ERRORS = cast(type[Exception], typer.BadParameter.__mro__[2])
"""The command-line framework's exception base (``ClickException``), reached through Typer's
public ``BadParameter`` instead of a private module."""

MESSAGE_LIMIT = 2000
"""Longest message printed (an echoed 200 kB value is cut)."""


def _fail(message: str, hint: str | None, code: int) -> None:
    if len(message) > MESSAGE_LIMIT:
        message = message[:MESSAGE_LIMIT] + f"… ({len(message) - MESSAGE_LIMIT} more characters)"
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    if hint:
        err_console.print(f"[bold]hint:[/] {escape(hint)}", highlight=False)
    sys.exit(code)


def _os_message(exc: OSError) -> str:
    """One line for an OS error outside an output folder (an unreadable input, a full disk)."""
    reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason
