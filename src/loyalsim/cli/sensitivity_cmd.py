"""``loyalsim sensitivity``: which uncertain parameters the KPIs turn on (Morris or Sobol,
with SALib), a tornado chart and the parameters that can flip the sign of profit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from loyalsim.cli.options import (
    ForceOption,
    JobsOption,
    SchedulerOption,
    SetOption,
    overrides_from,
    progress_bar,
)
from loyalsim.errors import LoyalsimError


def sensitivity_cmd(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    method: Annotated[
        str, typer.Option("--method", help="morris (screening, cheap) or sobol (S1 and ST).")
    ] = "morris",
    kpi: Annotated[
        list[str] | None,
        typer.Option(
            "--kpi",
            help="KPI to explain (repeatable; default incremental_profit and incremental_revenue).",
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="Parameter (dotted path) to include (repeatable; default: the scenario's "
            "priors, else every library prior marked 'assumption').",
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            min=2,
            help="Morris trajectories (default 10) or Sobol base samples, a power of two "
            "(default 32).",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for the outputs.")] = Path(
        "runs/sensitivity"
    ),
    replications: Annotated[
        int | None,
        typer.Option(help="Replications per design point (default: the scenario's).", min=1),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Root seed (default: the scenario's).", min=0)
    ] = None,
    jobs: JobsOption = 1,
    scheduler: SchedulerOption = None,
    set_: SetOption = None,
    force: ForceOption = False,
) -> None:
    """Global sensitivity of KPIs to the uncertain parameters (writes sensitivity.csv,
    tornado.png and report.html)."""
    from loyalsim.experiments.scenarios import load_scenario, marked
    from loyalsim.experiments.uncertainty.sensitivity import DEFAULT_KPIS, METHODS, sensitivity
    from loyalsim.metrics.catalogue import keys_for
    from loyalsim.outputs import provenance
    from loyalsim.outputs.folder import claim, staged
    from loyalsim.outputs.run_folder import scenario_yaml
    from loyalsim.outputs.sensitivity_files import write_sensitivity
    from loyalsim.report import write_report
    from loyalsim.report.uncertainty_sections import sensitivity_verdict

    if method not in METHODS:
        raise LoyalsimError(f"--method {method}: allowed: {', '.join(METHODS)}")
    overrides = overrides_from(set_)
    scenario = marked(load_scenario(file, overrides), overrides)
    kpis = tuple(kpi or DEFAULT_KPIS)
    known = set(keys_for(scenario))
    unknown = [k for k in kpis if k not in known]
    if unknown:
        raise LoyalsimError(
            f"--kpi {', '.join(unknown)}: not a KPI of this scenario (KPIs: "
            f"{', '.join(sorted(known))})"
        )
    place = claim(out, "sensitivity", scenario.name, force, inputs=(file,))
    with progress_bar() as bar:
        task = bar.add_task(f"sensitivity of {scenario.name}", total=None)
        study = sensitivity(
            scenario,
            method,
            kpis,
            param or (),
            samples,
            replications,
            seed,
            jobs,
            scheduler,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    record = provenance.record(
        overrides=overrides,
        seed=scenario.seed if seed is None else seed,
        replications=replications or scenario.replications,
        scenario_file=file,
    )
    with staged(place, record) as staging:
        write_sensitivity(study, scenario_yaml(scenario), staging)
        write_report(staging)
    directory = place.target
    console = Console()
    console.print(sensitivity_verdict(study.table, study.meta(), scenario.economics.currency))
    console.print(
        f"wrote {directory}: sensitivity.csv, design.csv, sensitivity.json, tornado.png, "
        "provenance.json and report.html"
    )
