"""``loyalsim compare``: run designs on common random numbers and write paired differences."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from loyalsim.cli.options import (
    ForceOption,
    SchedulerOption,
    SetOption,
    WorldsOption,
    announce_if_long,
    overrides_from,
    progress_bar,
)
from loyalsim.cli.run_cmd import HEADLINE
from loyalsim.errors import LoyalsimError
from loyalsim.spec import MAX_REPLICATIONS, SEED_MAX

if TYPE_CHECKING:
    from loyalsim.experiments.compare import Arm, Comparison


def compare_cmd(
    base: Annotated[Path, typer.Argument(help="Base scenario YAML (the reference design).")],
    variants: Annotated[
        list[Path] | None, typer.Argument(help="Variant scenario YAML files.")
    ] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option(
            "--variant",
            help='Inline variant of the base: "name:path=value,path=value" (repeatable).',
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Directory for the outputs.")] = Path(
        "runs/compare"
    ),
    replications: Annotated[
        int | None,
        typer.Option(
            help="Replications (default: the base scenario's).", min=1, max=MAX_REPLICATIONS
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Root seed (default: the base scenario's).", min=0, max=SEED_MAX),
    ] = None,
    jobs: Annotated[int, typer.Option(help="Parallel worker processes.", min=1)] = 1,
    set_: SetOption = None,
    worlds: WorldsOption = None,
    scheduler: SchedulerOption = None,
    force: ForceOption = False,
) -> None:
    """Compare designs against a base on the same replication seeds (paired differences).

    Over parameter worlds (--worlds, from the base's priors) it also writes
    comparison_worlds.csv (chance each design beats the base) and voi.csv (what a pilot
    should measure)."""
    from loyalsim.cli.tables import print_decision
    from loyalsim.experiments.budget import require_fits
    from loyalsim.experiments.compare import (
        Arm,
        compare,
        comparison_budget,
        file_arm_name,
        parse_variant,
    )
    from loyalsim.experiments.scenarios import load_scenario, marked, with_overrides
    from loyalsim.outputs import provenance
    from loyalsim.outputs.folder import claim, staged
    from loyalsim.outputs.names import check_arm_name
    from loyalsim.report import executive, write_report
    from loyalsim.report.folders import save_comparison
    from loyalsim.report.inputs import read_comparison
    from loyalsim.report.study_sections import compared_keys

    common = overrides_from(set_)
    loaded = load_scenario(base, common)
    place = claim(out, "compare", loaded.name, force, inputs=(base, *(variants or [])))
    base_scenario = marked(loaded, common)
    taken: set[str] = set()
    base_arm = Arm(file_arm_name(base, taken), base_scenario, str(base))
    taken.add(base_arm.name)
    arms: list[Arm] = []
    for path in variants or []:
        scenario = marked(load_scenario(path, common), common)
        arm = Arm(file_arm_name(path, taken), scenario, str(path))
        taken.add(arm.name)
        arms.append(arm)
    for text in variant or []:
        name, overrides = parse_variant(text)
        check_arm_name(name, f"--variant '{text}'")
        if name in taken:
            raise LoyalsimError(f"--variant '{text}': the name '{name}' is already used")
        scenario = marked(with_overrides(loaded, overrides, str(base)), {**common, **overrides})
        arm = Arm(name, scenario, None, overrides)
        taken.add(name)
        arms.append(arm)
    if not arms:
        raise LoyalsimError("give at least one variant (a YAML file or --variant name:path=value)")
    for arm in [base_arm, *arms]:
        check_arm_name(arm.name, arm.source or "--variant")

    from loyalsim.experiments.uncertainty.compare_worlds import compare_over_worlds
    from loyalsim.experiments.uncertainty.worlds import world_count

    over_worlds = world_count(base_scenario, worlds) > 1
    count = (replications or base_scenario.replications) * world_count(base_scenario, worlds)
    plan = comparison_budget([base_scenario, *(a.scenario for a in arms)], count, jobs)
    require_fits(plan)
    announce_if_long(plan)
    with progress_bar() as bar:
        task = bar.add_task(f"comparing {len(arms) + 1} designs", total=None)
        tick = lambda done, total: bar.update(task, completed=done, total=total)  # noqa: E731
        if over_worlds:
            in_worlds = compare_over_worlds(
                [base_arm, *arms], worlds, replications, seed, jobs, scheduler, tick
            )
            result = in_worlds.comparison
        else:
            result = compare(
                base_arm, arms, replications=replications, seed=seed, jobs=jobs, progress=tick
            )
    record = provenance.record(
        overrides=common,
        seed=result.seed,
        replications=result.replications,
        scenario_file=base,
        designs={arm.name: arm.source or arm.overrides for arm in result.arms},
    )
    with staged(place, record) as staging:
        save_comparison(result, staging, common)
        if over_worlds:
            from loyalsim.outputs.files import write_csv

            write_csv(in_worlds.worlds_table, staging / "comparison_worlds.csv")
            write_csv(in_worlds.voi, staging / "voi.csv")
        write_report(staging)
    directory = place.target
    print_comparison(result)
    files = read_comparison(directory)
    if files is not None:
        judged = executive.judge_comparison(files, compared_keys(files))
        currency = base_scenario.economics.currency
        print_decision(Console(), executive.compare_summary(files, judged, currency))
    Console().print(
        f"wrote {out}: comparison.csv, comparison.json, plots, report.html"
        " and one folder per design"
    )


def print_comparison(result: Comparison) -> None:
    """Headline KPIs: the base mean and each variant's paired difference with its 95% CI and
    p-value, one row per KPI and variant so any number of designs fits 80 columns."""
    from loyalsim.cli.tables import fitted_table
    from loyalsim.report.formatting import fmt, fmt_diff, fmt_diff_interval, fmt_p, label, numbers

    currency = result.base.scenario.economics.currency
    many = len(result.variants) > 1
    headers = ["KPI", "base", *(["design"] if many else []), "difference", "95% CI", "p"]
    rows = result.table.set_index(["variant", "kpi"])
    lines = []
    for key in HEADLINE:
        if (result.base.name, key) not in rows.index:
            continue
        base = fmt(numbers(rows, (result.base.name, key))["mean"], key)
        for i, arm in enumerate(result.variants):
            row = numbers(rows, (arm.name, key))
            cells = [label(key) if i == 0 else "", base if i == 0 else ""]
            cells += [arm.name] if many else []
            cells += [
                fmt_diff(row["diff"], key),
                fmt_diff_interval(row["ci_low"], row["ci_high"], key, compact=True),
                fmt_p(row["p_value"]).removeprefix("p=").removeprefix("p") or "—",
            ]
            lines.append(cells)
    console = Console()
    vs = "" if many else f" {result.variants[0].name}"
    title = (
        f"Paired differences{vs} vs {result.base.name} ({result.replications} replications, "
        f"common random numbers; amounts in {currency})"
    )
    console.print(fitted_table(console, title, headers, lines))
    if result.replications < 2:
        from loyalsim.metrics.stats import NO_INTERVAL

        console.print(NO_INTERVAL)
