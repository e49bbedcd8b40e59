"""The Python API a notebook relies on: tidy KPI frames, HTML display, and writing the same
folders and reports as the commands."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import shipped

import loyalsim
from loyalsim.experiments.compare import JUDGED_KPIS
from loyalsim.metrics.results import SUMMARY_COLUMNS
from loyalsim.metrics.stats import adjust_p
from loyalsim.report.executive import TITLE


@pytest.fixture(scope="module")
def run() -> loyalsim.RunResult:
    return loyalsim.simulate(shipped("coffee_punch_card", size=600, weeks=8, reps=3), seed=4)


@pytest.fixture(scope="module")
def comparison() -> loyalsim.Comparison:
    base = shipped("coffee_punch_card", size=600, weeks=8, reps=3)
    ten = loyalsim.with_overrides(base, {"program.rewards.catalogue[0].points": 10})
    return loyalsim.compare(loyalsim.Arm("base", base), [loyalsim.Arm("ten", ten)], seed=4)


def test_kpi_summary_is_tidy_and_agrees_with_summary_and_intervals(run) -> None:
    frame = run.kpi_summary()
    assert tuple(frame.columns) == SUMMARY_COLUMNS
    assert frame["kpi"].is_unique and set(frame["kpi"]) == set(run.kpi_table().columns)
    intervals = run.confidence_intervals()
    for row in frame.itertuples(index=False):
        mean = run.summary[row.kpi]
        assert row.mean == mean or (math.isnan(mean) and math.isnan(row.mean))
        lo, hi = intervals[row.kpi]
        assert (row.ci_low, row.ci_high) == (lo, hi) or math.isnan(lo)
    by_kpi = frame.set_index("kpi")
    assert by_kpi.loc["retention_rate", ["label", "unit", "arm"]].tolist() == [
        "Retention",
        "share",
        "program",
    ]
    assert by_kpi.loc["control_revenue", "arm"] == "control"
    assert by_kpi.loc["revenue", "replications"] == 3


def test_kpi_replications_is_the_wide_table_melted(run) -> None:
    long = run.kpi_replications()
    assert tuple(long.columns) == ("replication", "kpi", "value")
    wide = long.pivot(index="replication", columns="kpi", values="value")
    table = run.kpi_table()
    pd.testing.assert_frame_equal(
        wide[table.columns], table.astype(float), check_names=False, check_index_type=False
    )


def test_repr_html_shows_the_headline_kpis(run) -> None:
    html = run._repr_html_()
    assert "<table>" in html and "Retention" in html and "Incremental profit" in html
    revenue = run.summary["revenue"]
    assert f"{revenue:,.0f} USD" in html


def test_save_writes_the_run_folder_with_parquet_beside_csv(run, tmp_path: Path) -> None:
    out = run.save(tmp_path / "run")
    assert json.loads((out / "summary.json").read_text()) == json.loads(run.to_json())
    parquet = pd.read_parquet(out / "weekly.parquet")
    pd.testing.assert_frame_equal(parquet, run.weekly)
    csv = pd.read_csv(out / "weekly.csv")
    assert list(csv.columns) == list(parquet.columns) and len(csv) == len(parquet)
    assert np.allclose(csv["revenue"], parquet["revenue"], rtol=1e-12)
    assert (out / "kpi_trends.png").stat().st_size > 0
    assert not (out / "report.html").exists()


def test_report_writes_what_the_command_writes(run, tmp_path: Path) -> None:
    path = run.report(tmp_path / "run")
    assert path == tmp_path / "run" / "report.html"
    html = path.read_text()
    assert f"<h2>{TITLE}</h2>" in html and html.index(TITLE) < html.index("Scenario</h2>")


def test_comparison_summary_adjusts_the_judged_kpis_only(comparison) -> None:
    frame = comparison.kpi_summary()
    assert {"label", "unit", "p_adjusted"} <= set(frame.columns)
    judged = frame[(frame["variant"] == "ten") & frame["kpi"].isin(JUDGED_KPIS)]
    assert len(judged) == len(JUDGED_KPIS)
    expected = adjust_p(judged["p_value"].tolist())
    assert judged["p_adjusted"].tolist() == pytest.approx(expected, nan_ok=True)
    others = frame[~frame.index.isin(judged.index)]
    assert others["p_adjusted"].isna().all()
    known = judged.dropna(subset=["p_value"])
    assert (known["p_adjusted"] >= known["p_value"] - 1e-15).all()  # BH never lowers p


def test_comparison_saves_parquet_and_shows_html(comparison, tmp_path: Path) -> None:
    path = comparison.report(tmp_path / "cmp")
    out = path.parent
    pd.testing.assert_frame_equal(pd.read_parquet(out / "comparison.parquet"), comparison.table)
    assert (out / "ten" / "weekly.parquet").exists() and (out / "base" / "summary.json").exists()
    assert f"<h2>{TITLE}</h2>" in path.read_text()
    html = comparison._repr_html_()
    assert "adjusted p" in html and "ten" in html and "Incremental profit" in html
