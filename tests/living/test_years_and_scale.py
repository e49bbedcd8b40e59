"""Multi-year P&L (yearly table, NPV, payback), calendar dates of weeks, and reduced
populations reported at full scale (``population.represents``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from loyalsim.experiments.simulate import simulate
from loyalsim.metrics import stats
from loyalsim.metrics.yearly import discount_factors, payback_days, year_ends
from loyalsim.scenario.loader import with_overrides


@pytest.fixture(scope="module")
def two_years(grocer):
    scenario = with_overrides(
        grocer, {"horizon": {"years": 2}, "population.size": 2000, "replications": 2}
    )
    return simulate(scenario)


def test_years_of_365_days_and_a_shorter_last_one() -> None:
    np.testing.assert_array_equal(year_ends(730), [364, 729])
    np.testing.assert_array_equal(year_ends(800), [364, 729, 799])
    np.testing.assert_array_equal(year_ends(100), [99])


def test_payback_is_when_cumulative_profit_stays_non_negative() -> None:
    assert payback_days(np.cumsum([-5.0, 2.0, 2.0, 2.0])) == 3.0
    assert payback_days(np.cumsum([1.0, -2.0, 3.0, 1.0])) == 2.0  # a dip re-opens it
    assert payback_days(np.cumsum([1.0, 1.0])) == 0.0
    assert np.isnan(payback_days(np.cumsum([-1.0, 0.5])))
    assert payback_days(np.cumsum([0.0, 0.0, -5.0, 2.0, 2.0, 2.0]), launch=2) == 3.0


def test_discounting_halves_money_at_the_rate_that_doubles_it_in_a_year() -> None:
    factors = discount_factors(366, 1.0)
    assert factors[0] == 1.0
    assert factors[365] == pytest.approx(0.5)


def test_yearly_rows_add_up_to_the_summary(two_years) -> None:
    for rep in two_years.replications:
        table = rep.yearly
        program = table[table["arm"] == "program"]
        control = table[table["arm"] == "control"]
        assert list(program["year"]) == [1, 2] and list(control["year"]) == [1, 2]
        assert list(program["days"]) == [365, 365]
        assert list(program["start"]) == ["2026-01-05", "2027-01-05"]
        for column in ("revenue", "incremental_revenue", "incremental_profit", "program_cost"):
            assert program[column].sum() == pytest.approx(rep.kpis[column], rel=1e-9)
        assert control["revenue"].sum() == pytest.approx(rep.kpis["control_revenue"], rel=1e-9)
        assert program["points_expired"].sum() == rep.kpis["points_expired"]
        assert program["liability"].iloc[-1] == pytest.approx(rep.kpis["liability"], rel=1e-9)
        cumulative = program["cumulative_incremental_profit"].to_numpy()
        np.testing.assert_allclose(cumulative, np.cumsum(program["incremental_profit"]))
        npv = program["discounted_incremental_profit"].sum()
        assert npv == pytest.approx(rep.kpis["incremental_profit_npv"], rel=1e-9)
        # the grocer's 12-month fixed expiry forfeits its first lot in year 2, never in year 1
        assert program["points_expired"].iloc[0] == 0 < program["points_expired"].iloc[1]


def test_npv_without_discounting_is_the_incremental_profit(grocer) -> None:
    plain = with_overrides(grocer, {"economics.discount_rate": 0.0, "horizon": {"weeks": 8}})
    kpis = simulate(plain, replications=1).summary
    assert kpis["incremental_profit_npv"] == pytest.approx(kpis["incremental_profit"], rel=1e-9)
    dear = with_overrides(plain, {"economics.discount_rate": 0.5})
    discounted = simulate(dear, replications=1).summary["incremental_profit_npv"]
    assert abs(discounted) < abs(kpis["incremental_profit"])


def test_summary_has_a_yearly_table_with_intervals(two_years) -> None:
    rows = two_years.summary_dict()["yearly"]
    assert [(r["arm"], r["year"]) for r in rows] == [
        ("program", 1),
        ("program", 2),
        ("control", 1),
        ("control", 2),
    ]
    low, high = rows[0]["incremental_profit_ci95"]
    assert low <= rows[0]["incremental_profit"] <= high
    assert {"pays_back", "payback_days", "incremental_profit_npv"} <= set(two_years.summary)


def test_weekly_rows_carry_the_date_their_week_starts(grocer) -> None:
    weekly = simulate(grocer, replications=1).weekly
    start = grocer.start_date
    expected = [(start + dt.timedelta(days=7 * k)).isoformat() for k in range(len(weekly))]
    assert list(weekly["week_start"]) == expected
    assert list(weekly["week"]) == list(range(1, len(weekly) + 1))


def _scaled(coffee, size: int, reps: int, represents: int | None):
    changes = {
        "population.size": size,
        "horizon": {"weeks": 13},
        "replications": reps,
        "economics.fixed_cost_per_year": 200_000.0,
        "economics.cost_per_member_per_month": 0.05,
    }
    if represents is not None:
        changes["population.represents"] = represents
    return simulate(with_overrides(coffee, changes))


def test_a_reduced_population_reports_the_full_business(coffee) -> None:
    small = _scaled(coffee, 5000, 8, 200_000)
    full = _scaled(coffee, 200_000, 2, None)
    fixed = 200_000.0 * 91 / 365
    for result in (small, full):
        per_member = result.kpi_table()["operating_cost"] - fixed
        assert (per_member > 0).all()  # the fixed cost is charged once, in full, at both sizes
    a, b = small.kpi_table(), full.kpi_table()
    # incremental profit is checked per customer below: since free drinks replace paid ones
    # (issue #11) the café's incremental profit is near zero, so a ratio of means is noise
    for key in ("customers", "revenue", "program_cost", "points_issued"):
        ratio = a[key].mean() / b[key].mean()
        assert ratio == pytest.approx(1.0, abs=0.1), key  # reported at 200,000 customers
    a["profit_per_customer"] = a["incremental_profit"] / a["customers"]
    b["profit_per_customer"] = b["incremental_profit"] / b["customers"]
    for key in ("retention_rate", "cost_to_revenue", "breakage_rate", "profit_per_customer"):
        sa, sb = stats.mean_interval(a[key].to_numpy()), stats.mean_interval(b[key].to_numpy())
        se = np.hypot((sa.high - sa.low) / 4, (sb.high - sb.low) / 4)
        assert abs(sa.mean - sb.mean) < 4 * se + 1e-9, (key, sa, sb)
    unscaled = _scaled(coffee, 5000, 2, None).summary
    assert unscaled["cost_to_revenue"] > 1.5 * small.summary["cost_to_revenue"]  # the trap


def test_the_report_has_a_year_by_year_section_and_both_sizes(tmp_path, grocer) -> None:
    from loyalsim.report.build import write_report
    from loyalsim.report.run_figures import write_run_folder

    scenario = with_overrides(
        grocer,
        {"horizon": {"years": 2}, "population.size": 1500, "population.represents": 30000},
    )
    write_run_folder(simulate(scenario), tmp_path)
    assert (tmp_path / "yearly.csv").is_file()
    page = write_report(tmp_path).read_text(encoding="utf-8")
    years = page[page.index('id="years"') :]
    assert "Year by year" in years and "2027-01-05" in years
    assert "Net present value of incremental profit at a 8% annual discount rate" in years
    assert "1,500" in page and "30,000" in page  # simulated and represented customers
