"""Priors in the scenario: families, placement, the prior library and validation errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as st
from support import ROOT

from loyalsim.errors import ScenarioError
from loyalsim.experiments.scenarios import load_scenario, parse_scenario
from loyalsim.scenario.behaviour import BehaviourSpec
from loyalsim.scenario.loader import validate_data, with_overrides
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.priors import (
    BetaPrior,
    LognormalPrior,
    NormalPrior,
    TriangularPrior,
    UniformPrior,
)
from loyalsim.scenario.uncertainty import assumption_paths, prior_library

BASE = """
name: t
horizon: {weeks: 4}
population:
  size: 300
  segments:
    - {name: a, share: 1, purchase: {r: 1.0, alpha: 1.0}, dropout: {a: 1, b: 10},
       spend: {p: 5, q: 4, gamma: 3}}
program:
  stamps: {kind: visit_earning, points_per_visit: 1}
  rewards: {catalogue: [{name: free, points: 9, cost: 1, value: 4}]}
economics: {gross_margin: 0.6}
"""
U = np.array([1e-6, 0.01, 0.2, 0.5, 0.77, 0.99, 1 - 1e-6])


def scenario(extra: str = "") -> Scenario:
    return parse_scenario(BASE + extra)


def problems(extra: str) -> str:
    with pytest.raises(ScenarioError) as info:
        scenario(extra)
    return str(info.value)


@pytest.mark.parametrize(
    ("prior", "reference"),
    [
        (UniformPrior(low=1, high=3), st.uniform(1, 2)),
        (TriangularPrior(low=0, mode=0.3, high=2), st.triang(0.15, loc=0, scale=2)),
        (NormalPrior(mean=1, sd=0.5), st.norm(1, 0.5)),
        (LognormalPrior(median=2, sigma=0.7), st.lognorm(0.7, scale=2)),
        (BetaPrior(a=2, b=5, low=1, high=3), st.beta(2, 5, loc=1, scale=2)),
    ],
)
def test_quantile_functions_match_scipy(prior, reference) -> None:
    np.testing.assert_allclose(prior.ppf(U), reference.ppf(U), rtol=1e-10, atol=1e-12)
    assert prior.median() == pytest.approx(reference.median(), rel=1e-10)


def test_prior_in_place_moves_to_uncertainty_and_the_field_takes_its_median() -> None:
    s = scenario("behaviour: {goal_gradient: {dist: triangular, low: 0, mode: 1, high: 4}}\n")
    prior = s.uncertainty.priors["behaviour.goal_gradient"]
    assert isinstance(prior, TriangularPrior)
    assert s.behaviour.goal_gradient == prior.median() == pytest.approx(4 - np.sqrt(6))


def test_prior_under_uncertainty_keeps_the_fields_own_value() -> None:
    s = scenario(
        "behaviour: {goal_gradient: 2.5}\n"
        "uncertainty: {worlds: 4, priors: {behaviour.goal_gradient: "
        "{dist: uniform, low: 0.1, high: 3}}}\n"
    )
    assert s.behaviour.goal_gradient == 2.5 and s.uncertainty.worlds == 4


def test_a_validated_scenario_with_priors_round_trips_through_its_dump() -> None:
    text = BASE.replace(
        "economics: {gross_margin: 0.6}",
        "economics: {gross_margin: {dist: uniform, low: 0.5, high: 0.7}}",
    )  # a key appears once: duplicate keys are errors
    s = parse_scenario(
        text
        + "behaviour: {reset_carry: {dist: beta, a: 2, b: 3}, goal_gradient: {dist: library}}\n"
    )
    again = validate_data(s.model_dump(mode="json", by_alias=True), "dump")
    assert again == s


def test_library_priors_carry_their_source_and_library_true_adds_the_assumptions() -> None:
    s = scenario("behaviour: {goal_gradient: {dist: library}}\n")
    entry = prior_library()["behaviour.goal_gradient"]
    assert s.uncertainty.priors["behaviour.goal_gradient"].source == entry.source
    mine = "{dist: uniform, low: 0.1, high: 0.2}"
    s = scenario(f"uncertainty: {{library: true, priors: {{behaviour.rival_dilution: {mine}}}}}\n")
    assert sorted(s.uncertainty.priors) == sorted(assumption_paths())
    assert s.uncertainty.priors["behaviour.rival_dilution"] == UniformPrior(low=0.1, high=0.2)
    assert s.behaviour == BehaviourSpec()  # priors under uncertainty keep the values


def test_every_behaviour_parameter_has_a_documented_library_prior_around_its_default() -> None:
    """Add new behaviour parameters to scenario/prior_library.yaml (with source and range)."""
    library = prior_library()
    numeric = {
        name
        for name, value in BehaviourSpec().model_dump().items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }
    fields = {f"behaviour.{name}" for name in numeric}
    assert fields == {p for p in library if p.startswith("behaviour.")}
    defaults = BehaviourSpec()
    for path, entry in library.items():
        assert entry.default == getattr(defaults, path.split(".", 1)[1]), path
        low, high = entry.prior.extremes()
        assert low <= entry.default <= high, path
        assert entry.source.strip(), path
    # every library prior fits its field on a real scenario (the support check passes)
    coffee = load_scenario(ROOT / "scenarios" / "coffee_punch_card.yaml")
    data = coffee.model_dump(mode="json", by_alias=True, exclude_unset=True)
    full = validate_data(
        {**data, "uncertainty": {"priors": dict.fromkeys(library, "library")}}, "x"
    )
    assert len(full.uncertainty.priors) == len(library)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("behaviour: {goal_gradient: {dist: gauss, mean: 1}}\n", "behaviour.goal_gradient.dist"),
        ("behaviour: {goal_gradient: {dist: uniform, low: 3, high: 1}}\n", "low must be below"),
        (
            "behaviour: {reset_carry: {dist: normal, mean: 0.4, sd: 0.2}}\n",
            "behaviour.reset_carry: normal(mean=0.4, sd=0.2) can draw",
        ),
        (
            "uncertainty: {priors: {program.stamps.points_per_visit: {dist: uniform, low: 1, "
            "high: 2}}}\n",
            "is not a number of this scenario",
        ),
        (
            "uncertainty: {priors: {behaviour.goal_gradinet: {dist: uniform, low: 1, high: 2}}}\n",
            "uncertainty.priors.behaviour.goal_gradinet",
        ),
        ("uncertainty: {priors: {economics.gross_margin: library}}\n", "no library prior"),
        (
            "behaviour: {goal_gradient: {dist: uniform, low: 1, high: 2}}\n"
            "uncertainty: {priors: {behaviour.goal_gradient: {dist: uniform, low: 1, high: 2}}}\n",
            "given twice",
        ),
        ("uncertainty: {worlds: 0}\n", "uncertainty.worlds"),
    ],
)
def test_bad_priors_are_named_with_their_path_and_rule(extra, expected) -> None:
    assert expected in problems(extra)


def test_the_most_extreme_draws_are_finite_so_the_support_check_is_meaningful() -> None:
    for prior in (NormalPrior(mean=0, sd=1), LognormalPrior(median=1, sigma=2)):
        low, high = prior.extremes()
        assert np.isfinite(low) and np.isfinite(high) and low < high


def test_validate_warns_when_priors_would_be_ignored_by_a_one_world_run() -> None:
    from loyalsim.scenario.lint import scenario_warnings

    s = scenario("behaviour: {goal_gradient: {dist: uniform, low: 1, high: 2}}\n")
    assert any("uncertainty.worlds" in w for w in scenario_warnings(s))
    s = scenario(
        "behaviour: {goal_gradient: {dist: uniform, low: 1, high: 2}}\nuncertainty: {worlds: 3}\n"
    )
    assert not any("uncertainty.worlds" in w for w in scenario_warnings(s))


def test_library_true_keeps_the_values_a_scenario_sets() -> None:
    """Only parameters left at their default get library priors: a number the scenario writes
    is the analyst's choice, and an inline prior stays the analyst's prior."""
    explicit = (
        "behaviour: {goal_gradient: 2.0, reset_carry: {dist: uniform, low: 0.2, high: 0.4}}\n"
    )
    s = scenario(explicit + "uncertainty: {library: true}\n")
    assert "behaviour.goal_gradient" not in s.uncertainty.priors
    assert s.behaviour.goal_gradient == 2.0
    assert s.uncertainty.priors["behaviour.reset_carry"] == UniformPrior(low=0.2, high=0.4)
    others = set(assumption_paths()) - {"behaviour.goal_gradient"}
    assert set(s.uncertainty.priors) == others
    assert "behaviour.goal_gradient" in assumption_paths()  # the test would see an override
    # the same through --set: an explicit value set by an override is kept too
    again = with_overrides(
        scenario(), {"uncertainty.library": True, "behaviour.goal_gradient": 1.5}
    )
    assert "behaviour.goal_gradient" not in again.uncertainty.priors
    assert again.behaviour.goal_gradient == 1.5
    # and a dump of the validated scenario validates to the same (no library flag left)
    assert validate_data(s.model_dump(mode="json", by_alias=True), "dump") == s
