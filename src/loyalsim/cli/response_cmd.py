"""``loyalsim calibrate-response``: fit the program response to a program history (and a
pilot) by simulated method of moments with the engine; write priors for the scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from loyalsim.cli.options import ForceOption, JobsOption, SetOption, overrides_from
from loyalsim.errors import DataError
from loyalsim.spec import SEED_MAX


def calibrate_response(
    history: Annotated[
        Path,
        typer.Argument(
            help="Program history: transactions with points earned and redeemed (CSV/Parquet)."
        ),
    ],
    scenario: Annotated[
        Path,
        typer.Option(
            "--scenario",
            help="Scenario YAML with the program design the history comes from and the "
            "population (e.g. from loyalsim calibrate).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the outputs.")] = Path(
        "calibrated/response"
    ),
    members: Annotated[
        Path | None,
        typer.Option(
            help="Members table (customer, enrolled[, balance, tier]); default: "
            "members.csv beside HISTORY, else enrolment is inferred from the points."
        ),
    ] = None,
    expiries: Annotated[
        Path | None,
        typer.Option(
            help="Forfeits (customer, date, points); default: expiries.csv/.parquet beside "
            "HISTORY if there."
        ),
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option(
            help="Points moved without a purchase (customer, date, points_earned, "
            "points_redeemed, reward); default: points_events.csv/.parquet beside HISTORY."
        ),
    ] = None,
    pilot: Annotated[
        Path | None,
        typer.Option(
            "--pilot",
            help="Pilot assignment table (customer or store, group treated/control, start); "
            "the pilot's log is --pilot-log, else pilot_transactions.csv/.parquet beside it, "
            "else HISTORY.",
        ),
    ] = None,
    pilot_log: Annotated[
        Path | None, typer.Option(help="The pilot's transaction log (customer, date, amount).")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="Behaviour parameter to estimate (repeatable; default: "
            "the five the history identifies best, plus membership_lift with a pilot).",
        ),
    ] = None,
    calibration_end: Annotated[
        str | None,
        typer.Option(help="Last day (YYYY-MM-DD) of the fit; the rest is the holdout check."),
    ] = None,
    program_launch: Annotated[
        str | None,
        typer.Option(
            help="Day (YYYY-MM-DD) the program launched, when the history starts before it "
            "(the days before are a pre-period); default: the scenario's program_launch if "
            "after the history's first day, else the program ran from the first day."
        ),
    ] = None,
    simulations: Annotated[
        int, typer.Option(help="Simulations per candidate (common random numbers).", min=1, max=50)
    ] = 2,
    evaluations: Annotated[
        int,
        typer.Option(
            help="Most candidate points simulated, the standard errors' Jacobian included "
            "(exact; at least 2 per parameter + 1).",
            min=2,
            max=10_000,
        ),
    ] = 60,
    time_limit: Annotated[
        float, typer.Option(help="Seconds the search may take (it keeps its best point).", min=1)
    ] = 720.0,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap draws over customers (moment covariance).", min=20)
    ] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the simulations.", min=0, max=SEED_MAX)] = 0,
    set_: SetOption = None,
    jobs: JobsOption = 1,
    force: ForceOption = False,
) -> None:
    """Fit response parameters (goal gradient, reset, post-reward defection, ...) to a program
    history by simulated method of moments; write response_calibration.json, behaviour.yaml
    (priors), calibrated_scenario.yaml, fit figures and report.html."""
    from loyalsim.experiments.response.calibrate import calibrate_response as run
    from loyalsim.experiments.response.calibrate import late_points_hint
    from loyalsim.experiments.response.estimate import Settings
    from loyalsim.experiments.response.inputs import Inputs, parse_date
    from loyalsim.experiments.response.params import TRANSFORMS
    from loyalsim.outputs.folder import claim
    from loyalsim.report.response_folder import FILES, write_response_folder
    from loyalsim.scenario.loader import load_scenario

    end = parse_date(calibration_end, "--calibration-end")
    launch = parse_date(program_launch, "--program-launch")
    spec = load_scenario(scenario, overrides_from(set_))
    unknown = sorted(set(param or ()) - set(TRANSFORMS))
    if unknown:
        raise DataError(
            f"--param {', '.join(unknown)}: cannot be estimated; allowed: "
            + ", ".join(sorted(TRANSFORMS))
        )
    place = claim(out, "calibrate-response", history.name, force, inputs=(history, scenario))
    inputs = Inputs.resolve(history, members, expiries, events, pilot, pilot_log)
    observed, trial = inputs.read()
    settings = Settings(
        simulations=simulations,
        seed=seed,
        bootstrap=bootstrap,
        max_evaluations=evaluations,
        time_limit_s=time_limit,
        jobs=jobs,
    )
    console = Console(stderr=True)
    hint = late_points_hint(observed, spec, launch)
    notes = [
        *observed.notes,
        *(trial.notes if trial is not None else ()),
        *([hint] if hint else []),
    ]
    for note in notes:
        console.print(f"[bold yellow]warning:[/] {note}", highlight=False)
    with console.status("calibrating: simulating the observed moments") as status:
        result = run(spec, observed, trial, param, settings, end, status.update, launch)
    used = {
        **inputs.as_record(),
        "scenario": str(scenario),
        "simulations": simulations,
        "evaluations": evaluations,
        "time_limit": time_limit,
        "bootstrap": bootstrap,
        "seed": seed,
        "jobs": jobs,
        "program_launch": launch.isoformat() if launch is not None else None,
    }
    data = write_response_folder(place, result, spec, used, history.name)
    _print(data)
    console.print(f"wrote {', '.join(FILES[:-1])} and {FILES[-1]} in {out}")


def _print(data: dict) -> None:
    console = Console()
    table = Table(title="Calibrated response parameters (95% interval)")
    for col in ("parameter", "start", "estimate", "interval", "width ratio", "pinned"):
        table.add_column(col)
    for p in data["params"]:
        lo, hi = p["interval95"]
        interval = f"{lo:.3g} – {hi:.3g}" if lo is not None and hi is not None else "—"
        ratio = f"{p['width_ratio']:.2f}" if p["width_ratio"] is not None else "inf"
        table.add_row(
            p["name"],
            f"{p['start']:.3g}",
            f"{p['estimate']:.3g}",
            interval,
            ratio,
            "yes" if p["pinned"] else "no",
        )
    console.print(table)
    ident = data["identifiability"]
    if ident["not_pinned"]:
        console.print(
            "not pinned down (keep their library priors): " + ", ".join(ident["not_pinned"])
        )
    for pair in ident["confounded"]:
        console.print(
            f"confounded: {pair['a']} and {pair['b']} (correlation {pair['correlation']:+.2f})"
        )
    b = data["budget"]
    console.print(
        f"{b['evaluations']} evaluations in {b['seconds']:.0f} s ({b['stopped']}); "
        f"objective {data['objective']['start']:.1f} -> {data['objective']['end']:.1f} "
        f"over {data['objective']['moments_used']} moments"
    )
