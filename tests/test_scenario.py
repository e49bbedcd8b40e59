"""Scenario files: shipped ones validate; bad ones get precise, friendly errors."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import ROOT, SCENARIOS

from loyalsim.errors import OverrideError, ScenarioError
from loyalsim.scenario.loader import load_scenario, parse_scenario, with_overrides
from loyalsim.scenario.models import Scenario
from loyalsim.scenario.overrides import apply_overrides, parse_assignment, parse_path
from loyalsim.scenario.schema import field_docs, model_properties, scenario_schema

MINIMAL = """\
name: minimal
horizon: {weeks: 4}
population:
  size: 100
  segments:
    - name: all
      share: 1.0
      purchase: {r: 1.0, alpha: 2.0}
      dropout: {a: 1.0, b: 10.0}
      spend: {p: 3.0, q: 4.0, gamma: 20.0}
program:
  earning: {kind: spend_earning, points_per_unit: 1}
  rewards:
    catalogue:
      - {name: voucher, points: 100, cost: 5, value: 5}
economics: {gross_margin: 0.3}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "test.yaml")
    assert info.value.source == "test.yaml"
    return info.value.problems


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path) -> None:
    scenario = load_scenario(path)
    assert scenario.program, "shipped scenarios describe a program"


def test_minimal_scenario_fills_documented_defaults() -> None:
    s = parse_scenario(MINIMAL)
    assert s.horizon.total_days == 28
    assert s.replications == 1
    assert list(s.program) == ["earning", "rewards"]
    assert s.program["rewards"].kind == "rewards"  # kind defaults to the key
    assert s.behaviour.goal_gradient > 0


def test_unknown_key_gets_did_you_mean_and_line() -> None:
    text = MINIMAL.replace("share: 1.0", "sahre: 1.0")
    found = problems(text)
    assert any(
        "line 7: population.segments[0].sahre: unknown key; did you mean 'share'?" in p
        for p in found
    ), found
    assert any("population.segments[0].share: required field is missing" in p for p in found)


def test_rule_and_value_are_named_with_the_yaml_path() -> None:
    found = problems(MINIMAL.replace("points: 100", "points: 0"))
    assert found == [
        "line 15: program.rewards.catalogue[0].points: "
        "Input should be greater than or equal to 1 (got 0)"
    ]


def test_unknown_mechanic_kind_lists_the_allowed_kinds() -> None:
    found = problems(MINIMAL.replace("kind: spend_earning", "kind: spend_earnings"))
    assert len(found) == 1
    assert "program.earning.kind: unknown kind 'spend_earnings'" in found[0]
    assert "'spend_earning'" in found[0]


def test_cross_field_rules() -> None:
    found = problems(MINIMAL.replace("share: 1.0", "share: 0.5"))
    assert any("segment shares must sum to 1, got 0.5" in p for p in found)
    found = problems(MINIMAL.replace("{weeks: 4}", "{weeks: 4, days: 3}"))
    assert any("horizon: give exactly one of 'days', 'weeks' or 'years'" in p for p in found)
    expiry = MINIMAL + "  expiry: {policy: inactivity}\n"
    expiry = (
        expiry.replace("economics: {gross_margin: 0.3}\n", "") + "economics: {gross_margin: 0.3}\n"
    )
    found = problems(expiry)
    assert any("policy 'inactivity' needs 'days'" in p for p in found)
    # cross-field errors name the fields, not the whole section
    (only,) = problems(MINIMAL.replace("{weeks: 4}", "{weeks: 4, days: 3}"))
    assert only.endswith("(fields: horizon.weeks, horizon.days)") and "{" not in only
    (only,) = problems(expiry)
    assert only.startswith("line 16: program.expiry: ") and "'kind'" not in only


def test_every_shipped_scenario_and_template_passes_the_emitted_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    schema = scenario_schema()
    validator = jsonschema.Draft202012Validator(schema)
    templates = resources.files("loyalsim.templates")
    texts = [p.read_text() for p in SCENARIOS] + [
        t.read_text().replace("__NAME__", "x")
        for t in templates.iterdir()
        if t.name.endswith(".yaml")
    ]
    assert len(texts) >= len(SCENARIOS) + 5
    for text in texts:
        data = json.loads(json.dumps(yaml.safe_load(text), default=str))  # dates as strings
        assert not [e.message for e in validator.iter_errors(data)]
    bad = json.loads(json.dumps(yaml.safe_load(SCENARIOS[0].read_text()), default=str))
    bad["population"]["segments"][0]["sahre"] = 1
    assert list(validator.iter_errors(bad))  # the schema is not a pushover


def test_the_schema_accepts_priors_where_the_loader_does() -> None:
    """Behaviour and economics decimals are ``number OR prior`` in the schema: the five prior
    forms and the named library prior pass, as they pass the loader; malformed priors fail."""
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(scenario_schema())
    coffee = next(p for p in SCENARIOS if p.name == "coffee_punch_card.yaml")
    data = json.loads(json.dumps(yaml.safe_load(coffee.read_text()), default=str))
    data["behaviour"] = {
        **data.get("behaviour", {}),
        "goal_gradient": {"dist": "normal", "mean": 3.0, "sd": 0.2},
        "reset_carry": {"dist": "beta", "a": 2, "b": 3},
        "membership_lift": {"dist": "triangular", "low": 0.0, "mode": 0.02, "high": 0.05},
        "rival_dilution": {"dist": "uniform", "low": 0.2, "high": 0.4},
        "patience_days": {"dist": "lognormal", "median": 60, "sigma": 0.3},
        "post_reward_dropout": "library",
        "goal_gradient_curvature": {"dist": "library"},
    }
    data["economics"]["gross_margin"] = {"dist": "uniform", "low": 0.6, "high": 0.7}
    data["uncertainty"] = {"worlds": 4, "priors": {"behaviour.give_up_prob": "library"}}
    assert not [e.message for e in validator.iter_errors(data)]
    scenario = parse_scenario(yaml.safe_dump(data))  # the loader agrees
    assert len(scenario.uncertainty.priors) == 9
    for bad in (
        {"dist": "uniform", "low": 1.0},  # no high
        {"dist": "weibull", "k": 2},  # not a prior form
        {"dist": "library", "low": 1},  # the named prior takes no parameters
        "a lot",
    ):
        broken = {**data, "behaviour": {**data["behaviour"], "goal_gradient": bad}}
        assert list(validator.iter_errors(broken)), bad


def test_mistyped_names_in_set_get_did_you_mean() -> None:
    scenario = load_scenario(next(p for p in SCENARIOS if p.name == "coffee_punch_card.yaml"))
    with pytest.raises(OverrideError, match=r"no mechanic named 'earning'; did you mean 'stamps'"):
        with_overrides(scenario, {"program.earning.points_per_unit": 2})
    with pytest.raises(OverrideError, match=r"did you mean 'catalogue'"):
        with_overrides(scenario, {"program.rewards.catalog[0].points": 2})
    # a new section is still allowed
    assert with_overrides(scenario, {"behaviour.goal_gradient": 0.1}).behaviour.goal_gradient == 0.1


def test_missing_kind_names_the_allowed_mechanics() -> None:
    text = MINIMAL.replace("{kind: spend_earning, points_per_unit: 1}", "{points_per_unit: 1}")
    (only,) = problems(text)
    assert "program.earning: 'kind' is missing" in only and "spend_earning" in only


def test_validate_warns_about_rules_that_never_fire_and_unreachable_rewards() -> None:
    from loyalsim.scenario.lint import scenario_warnings

    assert all(not scenario_warnings(load_scenario(p)) for p in SCENARIOS)
    tiers = load_scenario(next(p for p in SCENARIOS if p.name == "beauty_tiers.yaml"))
    short = with_overrides(
        tiers,
        {
            "horizon": {"weeks": 8},
            "program.status.review_every_days": 91,
            "program.rewards.catalogue[0].points": 50_000_000,
        },
    )
    found = scenario_warnings(short)
    assert any(
        w.startswith("program.status.review_every_days = 91: beyond the 56-day") for w in found
    )
    assert any("catalogue[0].points = 50,000,000: no customer can plausibly reach" for w in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "top level must be a mapping of sections, got empty"),
        ("- a\n- b\n", "top level must be a mapping of sections, got list"),
        ("name: [unclosed\n", "not valid YAML"),
        ("a: !!python/object:os.system {}\n", "not valid YAML"),
    ],
)
def test_unreadable_files_are_reported_not_raised(text: str, expected: str) -> None:
    assert any(expected in p for p in problems(text))


def test_missing_file(tmp_path) -> None:
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_overrides_apply_by_dotted_path_and_revalidate() -> None:
    base = parse_scenario(MINIMAL)
    changed = with_overrides(base, {"program.rewards.catalogue[0].points": 250, "seed": 9})
    assert changed.program["rewards"].catalogue[0].points == 250
    assert changed.seed == 9
    assert base.program["rewards"].catalogue[0].points == 100  # specs are immutable
    with pytest.raises(ScenarioError, match="did you mean 'points'"):
        with_overrides(base, {"program.rewards.catalogue[0].pionts": 3})
    with pytest.raises(OverrideError, match="not an existing list item"):
        with_overrides(base, {"program.rewards.catalogue[3].points": 3})


def test_override_parsing() -> None:
    assert parse_assignment("a.b[2].c=1.5") == ("a.b[2].c", 1.5)
    assert parse_assignment("x=[1, 2]") == ("x", [1, 2])
    assert parse_assignment("x=null") == ("x", None)
    assert parse_path("program.expiry.days") == ["program", "expiry", "days"]
    for bad in ("novalue", "a..b=1", "=3"):
        with pytest.raises(OverrideError):
            parse_assignment(bad)
    assert apply_overrides({"a": {"b": 1}}, {"a.c": 2}) == {"a": {"b": 1, "c": 2}}


def test_round_trip_through_json_and_schema_is_valid_json() -> None:
    scenario = parse_scenario(MINIMAL)
    data = scenario.model_dump(mode="json", by_alias=True)
    assert Scenario.model_validate(json.loads(json.dumps(data))) == scenario
    schema = Scenario.model_json_schema(by_alias=True)
    assert "population" in schema["properties"]


yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(
        [
            "population.segments[0].purchase",
            "population.size",
            "program.rewards.catalogue",
            "program.earning",
            "economics",
            "horizon",
            "population.segments[0].reward_sensitivity",
            "program",
        ]
    ),
    value=yaml_values,
)
def test_loader_never_crashes_on_mangled_files(path: str, value: object) -> None:
    """Whatever a user writes, the loader returns a scenario or raises ScenarioError."""
    data = yaml.safe_load(MINIMAL)
    text = yaml.safe_dump(apply_overrides(data, {path: value}))
    try:
        parse_scenario(text, "fuzz.yaml")
    except ScenarioError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_loader_never_crashes_on_arbitrary_text(text: str) -> None:
    try:
        parse_scenario(text, "fuzz.yaml")
    except ScenarioError as exc:
        assert exc.problems


def test_every_schema_field_has_a_description_and_no_description_is_stale() -> None:
    schema = scenario_schema()
    found = set()
    for name, model in [("Scenario", schema), *schema["$defs"].items()]:
        for field, prop in model_properties(model).items():
            found.add(f"{name}.{field}")
            assert prop.get("description"), f"{name}.{field} has no description"
    assert len(found) > 200
    assert set(field_docs()) <= found  # every entry of field_docs.yaml still names a field


@pytest.mark.parametrize("bad", ["", " gold", "gold ", "gold.plus"])
def test_one_name_rule_for_rewards_tiers_partners_and_actions(bad: str) -> None:
    assert parse_scenario(MINIMAL.replace("name: voucher", "name: 5 dollar voucher"))
    text = MINIMAL.replace("name: voucher", f"name: '{bad}'")
    (only,) = problems(text)
    assert "program.rewards.catalogue[0].name: " in only


def test_a_preset_set_later_replaces_the_files_preset_but_not_explicit_values() -> None:
    beauty = load_scenario(ROOT / "scenarios" / "beauty_tiers.yaml")  # preset specialty_retail
    assert beauty.behaviour.headroom_visits_per_week == 0.5
    travel = with_overrides(beauty, {"behaviour.preset": "travel"})
    assert travel.behaviour.headroom_visits_per_week == 0.1
    assert (
        with_overrides(beauty, {"behaviour.preset": None}).behaviour.headroom_visits_per_week == 1.0
    )
    assert with_overrides(beauty, {"seed": 3}).behaviour.headroom_visits_per_week == 0.5
    mine = with_overrides(beauty, {"behaviour.headroom_visits_per_week": 0.7})
    assert (
        with_overrides(mine, {"behaviour.preset": "travel"}).behaviour.headroom_visits_per_week
        == 0.7
    )
