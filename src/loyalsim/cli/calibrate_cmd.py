"""``loyalsim calibrate``: fit a population to a transaction log and check it on a holdout."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from loyalsim.cli.options import ForceOption
from loyalsim.errors import DataError
from loyalsim.scenario.population import PopulationSpec
from loyalsim.spec import SEED_MAX

if TYPE_CHECKING:
    import pandas as pd

    from loyalsim.experiments.calibrate.fit import (
        CalibrationResult,
    )
    from loyalsim.experiments.calibrate.holdout import Holdout


class Refunds(StrEnum):
    net = "net"
    drop = "drop"


class TimeUnit(StrEnum):
    day = "day"
    week = "week"


def _column(value: str) -> str | int:
    """A header name, or a 0-based position when the value is a whole number."""
    return int(value) if value.strip().isdigit() else value


def calibrate(
    log: Annotated[
        Path, typer.Argument(help="Transaction log: CSV, whitespace-separated or Parquet.")
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="Population YAML to write (a .yaml path; its folder gets calibration.json and "
            "report.html), or a folder to hold population.yaml and the rest.",
        ),
    ] = Path("calibrated/population.yaml"),
    customer_col: Annotated[
        str, typer.Option(help="Customer id column: header name or 0-based position.")
    ] = "customer",
    date_col: Annotated[str, typer.Option(help="Date column: name or position.")] = "date",
    amount_col: Annotated[str, typer.Option(help="Amount column: name or position.")] = "amount",
    calibration_end: Annotated[
        str | None,
        typer.Option(help="Last day (YYYY-MM-DD) of the fit; later purchases are the holdout."),
    ] = None,
    segments: Annotated[int, typer.Option(help="Latent BG/NBD segments.", min=1, max=6)] = 1,
    size: Annotated[
        int | None,
        typer.Option(help="Population size to write (default: customers fitted).", min=1),
    ] = None,
    time_unit: Annotated[TimeUnit, typer.Option(help="Time unit of the fit.")] = TimeUnit.week,
    sep: Annotated[
        str | None, typer.Option(help="Field separator (default: comma if any, else whitespace).")
    ] = None,
    seed: Annotated[
        int, typer.Option(help="Seed of the holdout simulation.", min=0, max=SEED_MAX)
    ] = 0,
    replications: Annotated[
        int, typer.Option(help="Replications of the holdout simulation.", min=2)
    ] = 10,
    program_ran: Annotated[
        bool,
        typer.Option(
            "--program-ran",
            help="The log comes from a firm whose loyalty program already ran: the written "
            "rates are deflated by --program-lift so the no-program baseline excludes it.",
        ),
    ] = False,
    program_lift: Annotated[
        float,
        typer.Option(
            help="With --program-ran: share by which the program lifted visit rates.",
            min=0.0,
            max=1.0,
        ),
    ] = 0.03,
    refunds: Annotated[
        Refunds,
        typer.Option(
            help="Negative amounts are refunds: net them against the customer's purchases, "
            "or drop them."
        ),
    ] = Refunds.net,
    keep_duplicates: Annotated[
        bool,
        typer.Option("--keep-duplicates", help="Keep exact duplicate lines (dropped by default)."),
    ] = False,
    force: ForceOption = False,
) -> None:
    """Fit BG/NBD purchases and dropout and Gamma-Gamma spend to a log; write a population."""
    from loyalsim.cli.tables import print_decision
    from loyalsim.experiments.calibrate.errors import CalibrationError
    from loyalsim.experiments.calibrate.fit import fit_population
    from loyalsim.experiments.calibrate.holdout import check_holdout, validate_holdout
    from loyalsim.experiments.calibrate.transactions import read_transactions, summarise
    from loyalsim.outputs import provenance
    from loyalsim.outputs.calibration_files import (
        PROGRAM_RAN_NOTE,
        calibration_record,
        data_summary,
        population_yaml,
    )
    from loyalsim.outputs.files import write_text
    from loyalsim.outputs.folder import claim, staged
    from loyalsim.report import write_report
    from loyalsim.report.calibration_figures import plot_holdout
    from loyalsim.report.calibration_sections import calibration_decision

    end = _parse_end(calibration_end)
    folder, population_file = _out_paths(out)
    place = claim(folder, "calibrate", log.name, force, inputs=(log,))
    transactions = read_transactions(
        log,
        customer_col=_column(customer_col),
        date_col=_column(date_col),
        amount_col=_column(amount_col),
        sep=sep,
        refunds=refunds.value,
        keep_duplicates=keep_duplicates,
    )
    cleaning = list(transactions.attrs.get("cleaning", []))
    warn = Console(stderr=True, soft_wrap=True)
    for note in cleaning:
        warn.print(f"[bold yellow]warning:[/] {escape(note)}", highlight=False)
    if end is not None:
        check_holdout(transactions, end)
    summary = summarise(transactions, calibration_end=end, time_unit=time_unit.value)
    if summary.empty:
        raise CalibrationError(
            f"--calibration-end {calibration_end}: no customer bought on or before it; the log "
            f"starts on {transactions['date'].min().date()}"
        )
    result = fit_population(summary, segments)
    size = size or len(summary)
    _check_population(result, size)
    holdout = (
        validate_holdout(transactions, end, result, seed=seed, replications=replications)
        if end is not None
        else None
    )
    data = data_summary(
        transactions, summary, end if end is not None else transactions["date"].max()
    )
    settings = {
        "log": str(log),
        "customer_col": _column(customer_col),
        "date_col": _column(date_col),
        "amount_col": _column(amount_col),
        "segments": segments,
        "size": size,
        "seed": seed,
        "replications": replications if holdout is not None else None,
        "program_ran": program_ran,
        "program_lift": program_lift if program_ran else None,
    }
    settings["refunds"], settings["keep_duplicates"] = refunds.value, keep_duplicates
    record_fit = calibration_record(result, data, size, holdout, settings)
    record_fit.setdefault("data", {})["cleaning"] = cleaning

    record = provenance.record(
        overrides={}, seed=seed, replications=settings["replications"], log=log
    )
    lift = program_lift if program_ran else None
    with staged(place, record) as staging:
        write_text(staging / "calibration.json", json.dumps(record_fit, indent=2) + "\n")
        if holdout is not None:
            plot_holdout(holdout, staging / "holdout.png", f"Holdout validation: {log.name}")
        write_text(staging / population_file, population_yaml(result, data, size, log.name, lift))
        write_report(staging)
    _print(result, data, holdout)
    print_decision(Console(), calibration_decision(record_fit))
    if program_ran:
        Console().print("[bold]Baseline:[/] " + PROGRAM_RAN_NOTE.format(lift=program_lift))
    files = "calibration.json, " + ("holdout.png, " if holdout is not None else "") + "report.html"
    Console().print(f"wrote {population_file} and {files} in {folder}")


def _out_paths(out: Path) -> tuple[Path, str]:
    """(output folder, population file name): ``DIR/NAME.yaml`` puts NAME.yaml in DIR; any
    other path is the folder, holding population.yaml."""
    if out.suffix.lower() in (".yaml", ".yml") and not out.is_dir():
        return (out.parent if str(out.parent) else Path(".")), out.name
    return out, "population.yaml"


def _parse_end(value: str | None) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        import pandas as pd

        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        raise DataError(
            f"--calibration-end {value!r}: not a date; allowed: YYYY-MM-DD such as 1997-09-30"
        ) from None


def _check_population(result: CalibrationResult, size: int) -> None:
    """Refuse to write a population the scenario format would reject, saying why."""
    from loyalsim.experiments.calibrate.errors import CalibrationError
    from loyalsim.experiments.calibrate.fit import population_section

    if result.spend.params.q <= 1.0:
        raise CalibrationError(
            f"the fitted spend model has q = {result.spend.params.q:.3f} <= 1, so the mean "
            "spend per transaction is infinite: a few huge amounts dominate the log; remove "
            "outliers (bulk or B2B orders) and calibrate again"
        )
    try:
        PopulationSpec.model_validate(population_section(result, size)["population"])
    except ValidationError as exc:
        raise CalibrationError(
            f"the fitted population is not a valid scenario section: {exc}"
        ) from None


def _print(result: CalibrationResult, data: dict, holdout: Holdout | None) -> None:
    console = Console()
    unit = result.time_unit
    console.print(
        f"{data['customers']} customers, {data['repeat_transactions_calibration']} repeat "
        f"transactions to {data['calibration_end']} (times in {unit}s)"
    )
    table = Table(title="Fitted parameters (standard error)")
    table.add_column("segment")
    for name in ("share", "r", "alpha", "a", "b"):
        table.add_column(name, justify="right")
    for k, seg in enumerate(result.segments, start=1):
        p, se = seg.purchase, seg.purchase_standard_errors
        cells = [(seg.share, seg.share_standard_error)] + [
            (getattr(p, n), getattr(se, n)) for n in ("r", "alpha", "a", "b")
        ]
        table.add_row(f"segment_{k}", *(f"{v:.4f} ({s:.4f})" for v, s in cells))
    console.print(table)
    s, sse = result.spend.params, result.spend.standard_errors
    console.print(
        f"purchase log-likelihood {result.purchase_loglik:.2f}; spend p {s.p:.3f} ({sse.p:.3f}), "
        f"q {s.q:.3f} ({sse.q:.3f}), gamma {s.gamma:.3f} ({sse.gamma:.3f})"
    )
    if not result.converged:
        console.print(
            "[bold yellow]warning:[/] the fit did not converge cleanly (an estimate at a bound or "
            "undefined standard errors); try fewer --segments or more data"
        )
    if holdout is not None:
        e = holdout.errors()
        console.print(
            f"holdout: actual cumulative repeat transactions at the end {e['actual_end']:.0f}; "
            f"simulated {e['simulated_end']:.0f} ± {e['simulated_end_se']:.0f} "
            f"({100 * e['simulated_end_error']:+.1f}%), BG/NBD analytic {e['analytic_end']:.0f} "
            f"({100 * e['analytic_end_error']:+.1f}%)"
        )
        console.print(
            f"holdout period only: actual {e['actual_holdout']:.0f}, simulated "
            f"{e['simulated_holdout']:.0f} ({100 * e['simulated_holdout_error']:+.1f}%), analytic "
            f"{e['analytic_holdout']:.0f} ({100 * e['analytic_holdout_error']:+.1f}%)"
        )
