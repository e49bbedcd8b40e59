"""Hook-level tests of acquisition offers: which prospects arrive on which day, join with
the bonus and cost their acquisition."""

from __future__ import annotations

import numpy as np
import pytest
from hook_support import mechanic, population, world

from loyalsim.engine.population import NOT_YET, Prospects

OFFER = {"kind": "acquisition", "inflow_lift": 0.5, "bonus_points": 30, "cost_per_acquired": 4.0}


def _with_prospects(segment=0, segment_names=("all",)):
    pop = population(2, reserve=3, segment=segment, segment_names=segment_names)
    pop.prospects = Prospects(
        rows=np.array([2, 3, 4]),
        day=np.array([0, 5, 5]),
        u=np.array([0.1, 0.4, 0.9]),
        max_lift=np.ones(len(segment_names)),
    )
    return world(pop, days=10)


def test_prospects_below_the_offers_share_arrive_on_their_day_as_members_with_the_bonus() -> None:
    w = _with_prospects()
    m = mechanic(OFFER, w)
    m.on_start(w)  # lift 0.5 of the drawn 1.0: prospects with u < 0.5 (rows 2 and 3)
    assert w.alive.tolist() == [True, True, True, False, False]
    m.close_day(w, 3)
    assert not w.alive[3]
    m.close_day(w, 4)  # brings day 5's prospects
    assert w.alive.tolist() == [True, True, True, True, False]
    assert w.arrival_day[2:].tolist() == [0, 5, NOT_YET]
    assert w.member.tolist() == [False, False, True, True, False]
    assert w.ledger.balance.tolist() == [0, 0, 30, 30, 0]
    assert w.ledger.daily_money["acquisition_cost"].sum() == pytest.approx(8.0)
    assert m.kpis(w) == {"acquired_customers": 2.0, "acquisition_cost": 8.0}


def test_an_offer_for_other_segments_brings_nobody() -> None:
    w = _with_prospects(segment=[0, 0, 1, 1, 1], segment_names=("a", "b"))
    m = mechanic(OFFER | {"segments": ["a"]}, w)
    m.on_start(w)
    for day in range(9):
        m.close_day(w, day)
    assert m.kpis(w)["acquired_customers"] == 0.0 and not w.alive[2:].any()
