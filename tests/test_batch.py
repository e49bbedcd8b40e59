"""Batched evaluation of designs: grouping, worker-count independence, one control arm per
replication, and the progress poller's cost budget."""

from __future__ import annotations

import pandas as pd
import pytest
from support import shipped

from loyalsim.experiments import simulate
from loyalsim.experiments.batch import evaluate_designs, groups
from loyalsim.experiments.optimize.polling import Poller
from loyalsim.scenario.loader import with_overrides


@pytest.fixture(scope="module")
def designs():
    base = shipped("coffee_punch_card", size=1500, weeks=8, reps=2)
    return [base, with_overrides(base, {"program.rewards.catalogue[0].points": 6})]


@pytest.mark.parametrize(
    "n_designs,replications,jobs", [(3, 4, 2), (5, 1, 2), (1, 1, 4), (4, 2, 8)]
)
def test_groups_cover_every_task_once_replication_major(n_designs, replications, jobs):
    made = groups(list(range(n_designs)), 0, replications, jobs)  # type: ignore[arg-type]
    tasks = [(d, r) for r, items, *_ in made for d, _ in items]
    assert sorted(tasks) == [(d, r) for d in range(n_designs) for r in range(replications)]
    assert len(made) >= min(jobs, n_designs * replications)
    assert [g[0] for g in made] == sorted(g[0] for g in made)


def test_results_do_not_depend_on_the_number_of_workers(designs):
    serial = evaluate_designs(designs, 4, 2, jobs=1)
    parallel = evaluate_designs(designs, 4, 2, jobs=2)
    assert [r.to_json() for r in serial] == [r.to_json() for r in parallel]
    plain = simulate.simulate(designs[1], seed=4, replications=2)
    assert serial[1].to_json() == plain.to_json()


def test_kpis_only_evaluation_gives_the_same_kpi_tables(designs):
    full = evaluate_designs(designs, 4, 2, jobs=1)
    lean = evaluate_designs(designs, 4, 2, jobs=2, kpis_only=True)
    for a, b in zip(full, lean, strict=True):
        pd.testing.assert_frame_equal(a.kpi_table(), b.kpi_table(), check_exact=True)
        assert not any(r.has_tables for r in b.replications)


def test_a_group_simulates_each_control_arm_once(designs, monkeypatch):
    simulate.clear_control_cache()
    calls: list[bool] = []
    real = simulate.run_arm

    def counting(*args, **kwargs):
        calls.append(bool(args[5] if len(args) > 5 else kwargs["with_program"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(simulate, "run_arm", counting)
    evaluate_designs([*designs, designs[0]], 4, 2, jobs=1)
    assert calls.count(False) == 2  # one control arm per replication, not per design
    assert calls.count(True) == 6


def test_progress_counts_tasks(designs):
    seen: list[tuple[int, int]] = []
    evaluate_designs(designs, 4, 2, jobs=1, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (4, 4) and [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_poller_keeps_polling_cost_under_its_share(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr("time.perf_counter", lambda: clock[0])
    polls: list[float] = []

    def poll():
        polls.append(clock[0])
        clock[0] += 0.5  # an expensive poll: half a second

    poller = Poller(poll, share=0.01, min_interval=1.0)
    while clock[0] < 1000.0:
        poller()
        clock[0] += 0.1
    assert poller.spent <= 0.01 * clock[0] + 0.5  # within budget, up to the first poll
    assert len(polls) >= 9
    poller(force=True)
    assert len(polls) >= 10 and polls[-1] == pytest.approx(clock[0] - 0.5)
