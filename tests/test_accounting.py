"""Points liability (IFRS 15 / ASC 606) against the standard's Illustrative Example 52.

IFRS 15 Illustrative Examples, Example 52 "Customer loyalty programme" (IE267-IE270): one
point per 10 CU spent, a point is worth a 1 CU discount. Year 1: sales 100,000 CU, 10,000
points earned, 97% expected to be redeemed, so the points' stand-alone selling price is
9,700 CU; the example allocates 91% / 9% of the price, i.e. 9,000 CU to the points (the
exact relative-price share is 9,700 / 109,700 = 8,842 CU). Year 1 end: 4,500 points
redeemed, 9,700 still expected -> revenue 4,175 CU (9,000 x 4,500 / 9,700). Year 2: 4,000
more redeemed, expectation revised to 9,900 -> cumulative 7,727 CU, so 3,552 CU in year 2.
(Figures as reproduced in KPMG, "Revenue - IFRS 15 handbook" (2019), Example 10A.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loyalsim.experiments.simulate import run_replication, simulate
from loyalsim.metrics.ifrs15 import (
    allocate,
    breakage_path,
    cumulative_recognised,
    points_accounts,
    schedule,
)
from loyalsim.scenario.accounting import AccountingSpec
from loyalsim.scenario.loader import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]


def test_example_52_allocation():
    ssp_points = 10_000 * 1.0 * 0.97
    assert ssp_points == pytest.approx(9_700)
    allocated = float(allocate(np.array([100_000.0]), np.array([ssp_points]))[0])
    assert allocated == pytest.approx(100_000 * 9_700 / 109_700)
    assert round(allocated) == 8_842
    assert round(100_000 * round(allocated / 100_000, 2)) == 9_000  # the example's 9% ratio


def test_example_52_recognition_and_cumulative_catch_up():
    allocated_to_date = np.array([9_000.0, 9_000.0])
    redeemed_to_date = np.array([4_500.0, 8_500.0])
    expected_to_date = np.array([9_700.0, 9_900.0])  # revised estimate in year 2
    to_date = cumulative_recognised(allocated_to_date, redeemed_to_date, expected_to_date)
    per_year = np.diff(to_date, prepend=0.0)
    assert round(per_year[0]) == 4_175
    assert round(per_year[1]) == 3_552
    assert round(allocated_to_date[-1] - to_date[-1]) == 1_273  # contract liability


def test_schedule_reproduces_the_example_with_its_allocation():
    """The full schedule with exact relative-price allocation: same recognition pattern, on
    the exact 8,842 CU (the standard's rounding of the ratio is the only difference)."""
    out = schedule(
        sales=np.array([100_000.0, 0.0, 0.0]),
        points_earned=np.array([10_000, 0, 0]),
        points_redeemed=np.array([0, 4_500, 4_000]),
        point_value=1.0,
        breakage=np.array([0.03, 0.03, 0.01]),
    )
    exact = 100_000 * 9_700 / 109_700
    assert out.allocated[0] == pytest.approx(exact)
    assert out.recognised[1] == pytest.approx(exact * 4_500 / 9_700)
    assert out.recognised[2] == pytest.approx(exact * 8_500 / 9_900 - exact * 4_500 / 9_700)
    assert out.deferred_revenue[2] == pytest.approx(exact * (1 - 8_500 / 9_900))
    assert np.cumsum(out.allocated) == pytest.approx(
        np.cumsum(out.recognised) + out.deferred_revenue
    )


def test_a_higher_breakage_estimate_pulls_recognition_forward():
    """Decrease in expected redemptions (KPMG Example 10B): 9,200 expected -> 4,140 in year 2."""
    to_date = cumulative_recognised(
        np.array([9_000.0, 9_000.0]), np.array([4_500.0, 8_500.0]), np.array([9_700.0, 9_200.0])
    )
    assert round(to_date[1] - to_date[0]) == 4_140


def test_recognition_is_capped_at_the_allocated_price():
    to_date = cumulative_recognised(np.array([100.0]), np.array([120.0]), np.array([100.0]))
    assert to_date[0] == 100.0


def test_experience_reestimates_breakage_prospectively():
    spec = AccountingSpec(breakage_estimate=0.2, reestimate_every_days=10, min_closed_share=0.1)
    issued = np.full(30, 100)
    redeemed = np.full(30, 30)
    expired = np.full(30, 10)
    path = breakage_path(spec, issued, redeemed, expired)
    assert (path[:10] == 0.2).all()
    assert path[10:] == pytest.approx(0.25)  # 10 expired of 40 closed per day
    fixed = breakage_path(AccountingSpec(reestimate="fixed"), issued, redeemed, expired)
    assert (fixed == 0.2).all()


@pytest.fixture(scope="module")
def coffee():
    scenario = load_scenario(ROOT / "scenarios" / "coffee_punch_card.yaml")
    return with_overrides(scenario, {"population.size": 2000, "horizon": {"weeks": 26}})


def test_simulated_accounts_reconcile(coffee):
    rep = run_replication(coffee, 3, 0)
    assert rep.arm is not None
    acc = points_accounts(coffee, rep.arm)
    k = rep.kpis
    assert k["points_revenue_allocated"] > 0
    assert k["points_revenue_allocated"] == pytest.approx(
        k["recognised_points_revenue"] + k["deferred_revenue"], rel=1e-12
    )
    assert (acc.deferred_revenue >= -1e-9).all()
    assert rep.weekly["recognised_points_revenue"].sum() == pytest.approx(
        k["recognised_points_revenue"]
    )
    assert rep.weekly["deferred_revenue"].iloc[-1] == pytest.approx(k["deferred_revenue"])
    # The price allocated to points is a fraction of member sales below value/(spend + value).
    assert 0 < k["points_revenue_allocated"] < 0.2 * k["revenue"]


def test_no_deferral_without_rewards(coffee):
    bare = with_overrides(coffee, {"program": {"stamps": {"kind": "visit_earning"}}})
    k = simulate(bare, seed=1, replications=1).summary
    assert k["points_revenue_allocated"] == 0.0 and k["deferred_revenue"] == 0.0


def test_a_stated_point_value_scales_the_allocation(coffee):
    low = simulate(with_overrides(coffee, {"accounting.point_value": 0.1}), 2, 1).summary
    high = simulate(with_overrides(coffee, {"accounting.point_value": 0.4}), 2, 1).summary
    assert high["points_revenue_allocated"] > 3 * low["points_revenue_allocated"]
    assert low["revenue"] == high["revenue"]  # accounting never changes behaviour
