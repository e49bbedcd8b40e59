"""fit_population end to end: parameter recovery, segment mixtures, the population section."""

from dataclasses import astuple

import numpy as np
import pandas as pd
import pytest
import yaml
from synthetic import repeat_purchases, transaction_log

from loyalsim.experiments.calibrate.bgnbd import BGNBDParams
from loyalsim.experiments.calibrate.fit import fit_population, population_section
from loyalsim.experiments.calibrate.gammagamma import GammaGammaParams
from loyalsim.experiments.calibrate.transactions import summarise

TRUE_PURCHASE = BGNBDParams(r=0.25, alpha=4.0, a=0.8, b=2.5)
TRUE_SPEND = GammaGammaParams(p=6.0, q=4.0, gamma=15.0)
OBSERVED_DAYS = 273  # 39 weeks, with customers acquired over the first 12, as in CDNOW


@pytest.fixture(scope="module")
def recovered():
    """Fit to a log of 5,000 simulated customers, read back through summarise()."""
    log = transaction_log(
        np.random.default_rng(0), 5000, TRUE_PURCHASE, TRUE_SPEND, 84, OBSERVED_DAYS
    )
    end = log["date"].min() + pd.Timedelta(days=OBSERVED_DAYS - 1)
    return fit_population(summarise(log, calibration_end=end, time_unit="week"))


def test_parameters_recovered_within_three_standard_errors(recovered):
    # Each estimate is asymptotically normal with the reported standard error; 3 SE bounds a
    # two-sided 0.3 % miss per parameter. The log floors times to days and merges same-day
    # purchases, which the continuous-time model does not do, so this also bounds that bias.
    assert recovered.converged
    segment = recovered.segments[0]
    pairs = [
        (segment.purchase, segment.purchase_standard_errors, TRUE_PURCHASE),
        (recovered.spend.params, recovered.spend.standard_errors, TRUE_SPEND),
    ]
    for estimate, standard_error, truth in pairs:
        for est, se, true in zip(
            astuple(estimate), astuple(standard_error), astuple(truth), strict=True
        ):
            assert abs(est - true) < 3 * se, (estimate, standard_error, truth)


def test_population_section_has_the_scenario_shape(recovered):
    section = population_section(recovered, size=10_000)
    dumped = yaml.safe_load(yaml.safe_dump(section))
    assert dumped == section
    segment = section["population"]["segments"][0]
    assert section["population"]["size"] == 10_000
    assert segment["name"] == "segment_1" and segment["share"] == 1.0
    assert set(segment) == {"name", "share", "purchase", "dropout", "spend"}
    assert segment["purchase"]["time_unit"] == "week"
    assert set(segment["purchase"]) == {"r", "alpha", "time_unit"}
    assert set(segment["dropout"]) == {"a", "b"}
    assert set(segment["spend"]) == {"p", "q", "gamma"}


def test_two_segment_mixture_recovers_shares():
    light = BGNBDParams(r=0.5, alpha=20.0, a=1.0, b=2.0)
    heavy = BGNBDParams(r=2.0, alpha=4.0, a=1.0, b=6.0)
    rng = np.random.default_rng(1)
    sizes = (2100, 900)
    histories = []
    for params, size in zip((light, heavy), sizes, strict=True):
        T = rng.uniform(27.0, 39.0, size)
        who, when = repeat_purchases(rng, params, T)
        recency = np.zeros(size)
        np.maximum.at(recency, who, when)
        histories.append((np.bincount(who, minlength=size), recency, T))
    x, t_x, T = (np.concatenate(column) for column in zip(*histories, strict=True))
    spend = np.where(x > 0, rng.gamma(6.0, 20.0 / 6.0, len(x)), np.nan)
    summary = pd.DataFrame({"frequency": x, "recency": t_x, "T": T, "monetary_value": spend})

    result = fit_population(summary, segments=2, time_unit="week")

    assert result.purchase_loglik > result.one_segment.loglik + 10
    shares = [s.share for s in result.segments]
    assert sum(shares) == pytest.approx(1.0)
    for segment, truth in zip(result.segments, (0.7, 0.3), strict=True):  # ordered light to heavy
        assert abs(segment.share - truth) < 3 * segment.share_standard_error
    section = population_section(result, size=500)["population"]["segments"]
    assert [s["name"] for s in section] == ["segment_1", "segment_2"]


def test_fit_population_needs_a_time_unit():
    summary = pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0], "monetary_value": [3]})
    with pytest.raises(ValueError, match="time_unit"):
        fit_population(summary)
