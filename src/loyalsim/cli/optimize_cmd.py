"""``loyalsim optimize``: search program designs with Optuna and recommend a few."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, TextColumn
from rich.table import Column

from loyalsim.cli.options import (
    ForceOption,
    SetOption,
    WorldsOption,
    announce_if_long,
    overrides_from,
    progress_columns,
)
from loyalsim.errors import LoyalsimError, RunFailedError
from loyalsim.experiments.optimize.samplers import DEFAULT_SAMPLER, SAMPLERS
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.search import SearchSpec
from loyalsim.spec import SEED_MAX

if TYPE_CHECKING:
    import optuna
    import pandas as pd

    from loyalsim.experiments.optimize import study as studies


def optimize(
    file: Annotated[Path, typer.Argument(help="Scenario YAML file with a 'search:' section.")],
    trials: Annotated[
        int, typer.Option("--trials", min=1, help="Total finished trials the study should hold.")
    ] = 100,
    out: Annotated[Path, typer.Option("--out", help="Directory for the outputs.")] = Path(
        "runs/optimize"
    ),
    storage: Annotated[
        str | None,
        typer.Option(
            help="Study storage URL (default sqlite:///OUT/study.db); "
            "postgresql://..., journal:///FILE."
        ),
    ] = None,
    study_name: Annotated[
        str | None, typer.Option("--study-name", help="Study name (default: from the scenario).")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", min=1, help="Worker processes.")] = 1,
    sampler: Annotated[str, typer.Option(help=f"Sampler: {'|'.join(SAMPLERS)}.")] = DEFAULT_SAMPLER,
    timeout: Annotated[
        float | None, typer.Option(min=0, help="Stop starting trials after S seconds.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, max=SEED_MAX, help="Sampler seed (default: scenario's).")
    ] = None,
    set_: SetOption = None,
    worlds: WorldsOption = None,
    robust: Annotated[
        str | None,
        typer.Option(
            "--robust",
            help="Objective over worlds: mean, quantile or cvar (default: uncertainty.objective, "
            "else mean). Maximise prob_incremental_profit_positive for the design most likely "
            "to pay.",
        ),
    ] = None,
    robust_level: Annotated[
        float | None,
        typer.Option(
            "--robust-level", min=0.0, max=1.0, help="Tail share of quantile/cvar (default 0.1)."
        ),
    ] = None,
    force: ForceOption = False,
) -> None:
    """Search the 'search:' parameters for designs that balance the objectives under constraints.

    With priors and --worlds W every trial runs in W parameter worlds and the objectives
    aggregate over them (docs/uncertainty.md)."""
    from loyalsim.cli.tables import print_decision, print_designs
    from loyalsim.experiments.optimize import study as studies
    from loyalsim.experiments.optimize import tables
    from loyalsim.experiments.optimize.storage import STUDY_FILES, default_url
    from loyalsim.experiments.scenarios import load_scenario, marked
    from loyalsim.experiments.uncertainty.worlds import world_count
    from loyalsim.outputs import provenance
    from loyalsim.outputs.files import write_text
    from loyalsim.outputs.folder import claim, staged
    from loyalsim.outputs.lock import locked
    from loyalsim.outputs.run_folder import scenario_yaml
    from loyalsim.outputs.study_folder import study_home
    from loyalsim.report import executive, write_report

    if sampler not in SAMPLERS:
        raise LoyalsimError(f"--sampler {sampler}: unknown (allowed: {', '.join(SAMPLERS)})")
    if storage is not None and not storage.strip():
        raise LoyalsimError(
            "--storage '': give a storage URL, or leave the flag out for OUT/study.db"
        )
    overrides = {**overrides_from(set_), **_robust_overrides(worlds, robust, robust_level)}
    loaded = load_scenario(file, overrides)
    place = claim(out, "optimize", loaded.name, force, inputs=(file,))
    with locked(place.target, out):
        scenario = marked(loaded, overrides)
        base, search = studies.split(scenario)
        world_count(base)  # more than one world needs priors: say so before any trial runs
        from loyalsim.experiments import budget

        plan = budget.estimate(base, search.trial_replications(scenario), trials, jobs, kept=False)
        budget.require_fits(plan)
        announce_if_long(plan)
        name = study_name or _slug(loaded.name)
        with study_home(place, storage) as url:
            study = studies.prepare_study(scenario, url, name)
            job = studies.Job(
                storage_url=url,
                study_name=name,
                scenario=json.dumps(scenario.model_dump(mode="json", by_alias=True)),
                sampler=sampler,
                seed=scenario.seed if seed is None else seed,
                target=trials,
                timeout=timeout,
            )
            console = Console(stderr=True)
            studies.reap_interrupted(study)
            _run(study, job, jobs, search, console)
            frame = tables.trials_frame(study, search)
        if frame.empty or not (frame["state"] == "COMPLETE").any():
            errors: list[str] = (
                [str(e) for e in frame["error"].replace("", None).dropna().unique()[:3]]
                if len(frame)
                else []
            )
            raise RunFailedError(
                f"no trial of study '{name}' completed"
                + (": " + "; ".join(errors) if len(errors) else "")
            )
        record = provenance.record(
            overrides=overrides,
            seed=job.seed,
            trials=trials,
            storage=url,
            study_name=name,
            sampler=sampler,
            jobs=jobs,
            scenario_file=file,
        )
        keep = STUDY_FILES if storage is None else ()
        with staged(place, record, keep=keep) as staging:
            rec = _write(study, base, search, frame, staging, jobs)
            write_text(staging / "scenario.yaml", scenario_yaml(base))
            write_report(staging)
        directory = place.target
        url = default_url(directory) if storage is None else url
        _summary(frame, search, Path(out), url)
        designs = executive.merged_designs(rec.get("designs") or [])
        decision = executive.optimize_summary(rec, designs, base.economics.currency)
        print_decision(Console(), decision)
        print_designs(Console(), designs, base.economics.currency)


def _robust_overrides(
    worlds: int | None, robust: str | None, level: float | None
) -> dict[str, object]:
    """--worlds/--robust/--robust-level as scenario overrides (so workers and the study's
    fingerprint see them)."""
    out: dict[str, object] = {}
    if worlds is not None:
        out["uncertainty.worlds"] = worlds
    if robust is not None:
        out["uncertainty.objective"] = robust
    if level is not None:
        out["uncertainty.level"] = level
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "study"


def _run(
    study: optuna.Study, job: studies.Job, jobs: int, search: SearchSpec, console: Console
) -> None:
    """Run the trials with a progress bar: trials done, ETA, Pareto size and failures.

    Reading the study costs more as it grows; the poller keeps that under 1% of the run."""
    from loyalsim.experiments.optimize import study as studies
    from loyalsim.experiments.optimize.polling import Poller
    from loyalsim.experiments.optimize.quota import finished_count

    start = finished_count(study)
    with Progress(
        *progress_columns("[bold]optimising"),
        TextColumn(
            "{task.description}",
            table_column=Column(no_wrap=True, overflow="ellipsis"),
        ),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("", total=job.target, completed=min(start, job.target))

        def refresh() -> None:
            snap = studies.snapshot(study, search)
            bar.update(
                task,
                completed=min(snap.finished, job.target),
                description=f"front {snap.pareto} failed {snap.failed}",
            )

        poller = Poller(refresh)
        poller(force=True)
        if jobs == 1:
            studies.run_trials(job, 0, callback=poller)
        else:
            workers = studies.start_workers(job, jobs)
            try:
                while any(w.is_alive() for w in workers):
                    time.sleep(min(1.0, poller.seconds_to_next()) or 0.2)
                    poller()
            except KeyboardInterrupt:
                for w in workers:
                    w.terminate()
                raise
            failed = [w.exitcode for w in workers if w.exitcode]
            if failed:
                raise RunFailedError(
                    f"{len(failed)} worker process(es) crashed (exit codes {failed})"
                )
        poller(force=True)


def _write(
    study: optuna.Study,
    base: Scenario,
    search: SearchSpec,
    frame: pd.DataFrame,
    directory: Path,
    jobs: int,
) -> dict:
    """Write the tables, figures and recommendation; return the recommendation."""
    from loyalsim.experiments.optimize import recommend, tables
    from loyalsim.experiments.optimize.space import decode_params
    from loyalsim.outputs.files import write_csv, write_text
    from loyalsim.outputs.tables import write_table
    from loyalsim.report import figures, study_figures
    from loyalsim.report.executive import merged_designs

    write_table(frame, directory / "trials.csv")
    front = tables.pareto_frame(frame, search, [t.number for t in study.best_trials])
    write_table(front, directory / "pareto.csv")
    study_figures.plot_hypervolume(frame, search, directory / "hypervolume.png")
    note = study_figures.plot_importances(study, search, directory / "param_importances.png")
    if note:
        (directory / "param_importances.png").unlink(missing_ok=True)
        Console(stderr=True).print(f"[yellow]note:[/] {note}")
    trial_params = {
        t.number: decode_params(search, t.params) for t in study.get_trials(deepcopy=False)
    }
    with Console(stderr=True).status("re-evaluating recommended designs"):
        rec = recommend.recommend(base, search, frame, trial_params, jobs)
    objectives = [{"kpi": o.kpi, "direction": o.direction} for o in search.objectives]
    current = ((rec.get("current") or {}).get("kpis")) or {}
    figures.pareto(
        frame,
        front,
        objectives,
        merged_designs(rec.get("designs") or []),
        {o.kpi: (current.get(o.kpi) or {}).get("mean") for o in search.objectives},
        directory / "pareto_front.png",
    )
    write_text(directory / "recommendation.json", recommend.to_json(rec))
    write_text(directory / "recommendation.md", recommend.to_markdown(rec))
    if rec.get("voi"):
        import pandas as pd

        from loyalsim.experiments.uncertainty.voi import COLUMNS

        write_csv(pd.DataFrame(rec["voi"], columns=list(COLUMNS)), directory / "voi.csv")
    return rec


def _summary(frame: pd.DataFrame, search: SearchSpec, directory: Path, url: str) -> None:
    from loyalsim.experiments.optimize import tables

    counts = frame["state"].value_counts().to_dict()
    front = tables.pareto_frame(frame, search)
    console = Console()
    console.print(
        f"{len(frame)} trials ({', '.join(f'{v} {str(k).lower()}' for k, v in counts.items())}), "
        f"{int(frame['feasible'].sum())} feasible, Pareto front {len(front)}"
    )
    console.print(
        f"wrote {directory}: trials.csv/.parquet, pareto.csv/.parquet, recommendation.json/.md, "
        "plots, report.html"
    )
    console.print(f"dashboard: optuna-dashboard {url}")
