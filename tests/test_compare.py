"""``loyalsim compare``: common random numbers, paired statistics, parallel == serial."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from support import run_cli

from loyalsim.cli.compare_cmd import print_comparison
from loyalsim.errors import LoyalsimError
from loyalsim.experiments.compare import (
    SEGMENT_COLUMNS,
    TABLE_COLUMNS,
    Arm,
    compare,
    paired_stats,
    parse_variant,
)
from loyalsim.experiments.simulate import simulate
from loyalsim.metrics.stats import NO_INTERVAL
from loyalsim.outputs.run_folder import scenario_yaml
from loyalsim.report.folders import save_comparison
from loyalsim.scenario.loader import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def base():
    coffee = load_scenario(ROOT / "scenarios" / "coffee_punch_card.yaml")
    return with_overrides(coffee, {"population.size": 1500, "horizon": {"weeks": 13}})


@pytest.fixture(scope="module")
def ten_stamps(base):
    """A small design change: the free drink needs 10 stamps instead of 9."""
    return Arm("ten", with_overrides(base, {"program.rewards.catalogue[0].points": 10}))


def test_self_comparison_is_exactly_zero(base):
    result = compare(Arm("base", base), [Arm("same", base)], replications=3, seed=11)
    rows = result.table[result.table["variant"] == "same"]
    assert len(rows) == len(result.runs["base"].kpi_table().columns)
    defined = rows[rows["diff"].notna()]
    assert len(defined) >= len(rows) - 2  # only ratios undefined in every replication may be NaN
    assert (defined["diff"] == 0.0).all()
    assert (defined["ci_low"] == 0.0).all() and (defined["ci_high"] == 0.0).all()
    assert (defined["p_value"] == 1.0).all()
    assert (defined["mean"] == defined["base_mean"]).all()


def test_contract_columns_are_the_ones_the_issue_names():
    assert TABLE_COLUMNS == (
        "variant",
        "kpi",
        "mean",
        "base_mean",
        "diff",
        "ci_low",
        "ci_high",
        "p_value",
        "replications",
    )


def test_table_has_the_contract_columns_and_base_rows(base, ten_stamps):
    result = compare(base, [ten_stamps], replications=2, seed=3)
    assert tuple(result.table.columns) == TABLE_COLUMNS
    base_rows = result.table[result.table["variant"] == "base"]
    assert (base_rows["diff"].fillna(0.0) == 0.0).all()
    assert set(result.table["variant"]) == {"base", "ten"}
    assert (result.table["replications"] <= 2).all()


def test_parallel_outputs_equal_serial_byte_for_byte(base, tmp_path):
    small = with_overrides(base, {"population.size": 500})  # the bits, not the size, are tested
    ten = Arm("ten", with_overrides(small, {"program.rewards.catalogue[0].points": 10}))
    serial = compare(Arm("base", small), [ten], replications=3, seed=5, jobs=1)
    parallel = compare(Arm("base", small), [ten], replications=3, seed=5, jobs=2)
    save_comparison(serial, tmp_path / "serial")
    save_comparison(parallel, tmp_path / "parallel")
    files = sorted(p.relative_to(tmp_path / "serial") for p in (tmp_path / "serial").rglob("*"))
    data_files = [f for f in files if f.suffix in {".csv", ".parquet", ".json", ".yaml"}]
    # comparison.csv/parquet/json, comparison_segments.csv/parquet, and per arm summary.json,
    # scenario.yaml and weekly and yearly .csv/.parquet
    assert len(data_files) == 5 + 2 * 6
    for name in files:
        if (tmp_path / "serial" / name).is_file():
            a = (tmp_path / "serial" / name).read_bytes()
            b = (tmp_path / "parallel" / name).read_bytes()
            assert a == b, f"{name} differs between serial and parallel runs"


def test_runs_match_the_plain_simulate(base):
    """An arm of a comparison is exactly the run ``simulate`` gives on the same seed."""
    result = compare(Arm("base", base), [Arm("same", base)], replications=2, seed=9)
    plain = simulate(base, seed=9, replications=2)
    assert result.runs["base"].to_json() == plain.to_json()


def test_common_random_numbers_shrink_the_variance_of_a_small_change(base, ten_stamps):
    """Paired differences on the same seeds against differences with the base re-run on an
    independent seed: the CRN variance must be several times smaller (the figure observed is
    ~45x for revenue; the factor 4 leaves room for the noise of 8-replication variances)."""
    n = 8
    result = compare(Arm("base", base), [ten_stamps], replications=n, seed=21)
    independent = simulate(base, seed=22, replications=n).kpi_table()
    variant = result.runs["ten"].kpi_table()
    paired = variant["revenue"] - result.runs["base"].kpi_table()["revenue"]
    unpaired = variant["revenue"].to_numpy() - independent["revenue"].to_numpy()
    assert np.var(paired, ddof=1) * 4 < np.var(unpaired, ddof=1)
    figures = result.variance.set_index(["variant", "kpi"]).loc[("ten", "revenue")]
    assert figures["variance_ratio"] > 4
    assert figures["variance_reduction"] == pytest.approx(
        1 - figures["var_paired_crn"] / figures["var_independent"]
    )
    row = result.table.set_index(["variant", "kpi"]).loc[("ten", "revenue")]
    assert row["ci_low"] <= row["diff"] <= row["ci_high"]


def test_one_replication_has_no_interval_anywhere(base, capsys, monkeypatch):
    """The stats rule end to end: no interval or p-value, even for a zero difference."""
    tiny = with_overrides(base, {"population.size": 300, "horizon": {"weeks": 4}})
    result = compare(Arm("base", tiny), [Arm("same", tiny)], replications=1, seed=2)
    assert result.table[["ci_low", "ci_high", "p_value"]].isna().all().all()
    assert (result.table.dropna(subset=["diff"])["diff"] == 0).all()
    assert all(v == [None, None] for v in result.runs["base"].summary_dict()["kpis_ci95"].values())
    monkeypatch.setenv("COLUMNS", "200")  # one table line per row
    print_comparison(result)
    out = capsys.readouterr().out
    assert " n/a " in out and NO_INTERVAL in out


def test_paired_stats_agree_with_scipy():
    rng = np.random.default_rng(0)
    b = rng.normal(10, 2, 12)
    v = b + rng.normal(0.5, 0.3, 12)
    out = paired_stats(b, v)
    ref = stats.ttest_rel(v, b)
    assert out["p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
    ci = ref.confidence_interval(0.95)
    assert out["ci_low"] == pytest.approx(ci.low, rel=1e-12)
    assert out["ci_high"] == pytest.approx(ci.high, rel=1e-12)
    assert out["diff"] == pytest.approx(np.mean(v - b))
    assert out["replications"] == 12


def test_paired_stats_edge_cases():
    same = paired_stats(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]))
    assert (same["diff"], same["ci_low"], same["ci_high"], same["p_value"]) == (0, 0, 0, 1.0)
    shift = paired_stats(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    assert (shift["diff"], shift["ci_low"], shift["ci_high"], shift["p_value"]) == (2, 2, 2, 0)
    one = paired_stats(np.array([1.0]), np.array([2.0]))
    assert one["diff"] == 1.0 and math.isnan(one["ci_low"]) and math.isnan(one["p_value"])
    gaps = paired_stats(np.array([np.nan, 1.0, 2.0]), np.array([5.0, 1.0, 2.0]))
    assert gaps["replications"] == 2 and gaps["diff"] == 0.0


def test_parse_variant():
    name, overrides = parse_variant(
        "wk:population.seasonality.weekly=[1, 1, 1, 1, 1, 2, 2],program.expiry.days=60"
    )
    assert name == "wk"
    assert overrides == {
        "population.seasonality.weekly": [1, 1, 1, 1, 1, 2, 2],
        "program.expiry.days": 60,
    }
    for bad in ("nocolon", ":a=1", "x:", "x:novalue"):
        with pytest.raises(LoyalsimError):
            parse_variant(bad)


def test_bad_arm_names_are_refused(base):
    with pytest.raises(LoyalsimError, match="variant name"):
        Arm("../etc", base)
    with pytest.raises(LoyalsimError, match="unique"):
        compare(Arm("a", base), [Arm("a", base)], replications=1)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    code = "from loyalsim.cli.app import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )


def test_cli_writes_the_contract_files(base, tmp_path, monkeypatch):
    """In this process (the bad-variant test below runs a real one), at 80 columns."""
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "small.yaml"
    path.write_text(scenario_yaml(base))
    out = tmp_path / "out"
    done = run_cli(
        "compare", str(path), str(path), "--variant", "cheap:program.rewards.catalogue[0].cost=0.5",
        "--replications", "2", "--seed", "4", "--set", "population.size=800", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # the console at 80 columns: no wrapped cells, pp for rate differences, a recommendation
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    assert " pp" in done.stdout and "p=0.000" not in done.stdout
    assert "Recommendation: " in done.stdout
    rows = [line for line in done.stdout.splitlines() if line.strip().startswith("Retention ")]
    assert rows and "small-2" in rows[0]  # a KPI row holds its numbers on one line
    assert "…" not in done.stdout  # labels wrap whole words instead of being cut
    lines = [line.split()[0] if line.split() else "" for line in done.stdout.splitlines()]
    assert lines.count("Incremental") >= 2  # "Incremental revenue" / "... profit" both whole
    with open(out / "comparison_segments.csv", newline="") as f:
        assert tuple(next(csv.reader(f))) == SEGMENT_COLUMNS
    with open(out / "comparison.csv", newline="") as f:
        header = next(csv.reader(f))
    assert tuple(header) == TABLE_COLUMNS
    meta = json.loads((out / "comparison.json").read_text())
    assert meta["base"]["name"] == "small"
    assert [v["name"] for v in meta["variants"]] == ["small-2", "cheap"]
    assert meta["variants"][1]["overrides"] == {"program.rewards.catalogue[0].cost": 0.5}
    assert meta["set"] == {"population.size": 800}
    assert meta["seed"] == 4 and meta["replications"] == 2
    for arm in ("small", "small-2", "cheap"):
        assert (out / arm / "summary.json").is_file() and (out / arm / "weekly.csv").is_file()
    assert (out / "kpi_distributions.png").is_file() and (out / "weekly_trends.png").is_file()


def test_cli_bad_variant_fails_cleanly_without_output(base, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(scenario_yaml(base))
    out = tmp_path / "never"
    done = _cli("compare", str(path), "--variant", "x:program.rewards.nope=3", "--out", str(out))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "nope" in done.stderr
    assert not out.exists()
