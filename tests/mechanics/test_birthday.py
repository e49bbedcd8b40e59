"""The birthday reward end to end: gifts counted against an independent recount, the
ledger's identities, the cost's account, key-order invariance, a nothing-doing control and
the direction of its effect."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import numpy as np
import pytest
import yaml
from support import ROOT, shuffled

from loyalsim.engine.observers import Observer
from loyalsim.engine.rng import CustomerStream
from loyalsim.errors import ScenarioError
from loyalsim.experiments.scenarios import parse_scenario
from loyalsim.experiments.simulate import simulate
from loyalsim.metrics.results import RunResult

GIFT = {"kind": "birthday", "gift_cost": 1.5, "gift_value": 4.0, "gift_type": "voucher"}


def _data(gift: dict[str, Any] | None = GIFT, **top: Any) -> dict[str, Any]:
    """The coffee punch card on 800 customers for a year, with a birthday gift."""
    text = (ROOT / "scenarios" / "coffee_punch_card.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data.pop("search", None)
    data["population"]["size"] = 800
    data["horizon"] = {"days": 365}
    data["replications"] = 2
    if gift is not None:
        data["program"]["birthday"] = gift
    return data | top


def _run(data: dict[str, Any], **kwargs: Any) -> RunResult:
    return simulate(parse_scenario(yaml.safe_dump(data, sort_keys=False)), **kwargs)


class AliveMembers(Observer):
    """Records the alive members at the close of every day of the program arm."""

    def __init__(self) -> None:
        self.days: list[list[np.ndarray]] = []

    def on_arm_start(self, arm: str, world: Any) -> None:
        if arm == "program":
            self.days.append([])

    def on_day_end(self, arm: str, world: Any, batch: Any) -> None:
        if arm == "program":
            self.days[-1].append(np.flatnonzero(world.member & world.alive))


@pytest.mark.parametrize("start", ["2026-01-05", "2024-02-10"])  # the second spans 29 February
def test_gifts_are_the_members_alive_on_their_birthday_within_the_horizon(start: str) -> None:
    data = _data(start_date=start)
    recorder = AliveMembers()
    result = _run(data, observers=[recorder])
    day0 = dt.date.fromisoformat(start)
    size = result.replications[0].arm.world.pop.size
    for rep, alive in zip(result.replications, recorder.days, strict=True):
        # an independent recount: the birthday's draw, its date, and who was there that day
        draw = CustomerStream(result.seed, rep.replication, "birthday", size).uniform(0)
        born = [dt.date(2025, 1, 1) + dt.timedelta(int(k)) for k in np.floor(draw * 365)]
        month_day = np.array([b.month * 100 + b.day for b in born])
        expected = 0
        for day, who in enumerate(alive):
            date = day0 + dt.timedelta(day)
            expected += int(np.count_nonzero(month_day[who] == date.month * 100 + date.day))
        assert rep.kpis["birthday_gifts"] == expected > 0
        assert rep.kpis["reward_cost_by_type.voucher"] == pytest.approx(1.5 * expected, rel=1e-12)


def test_the_ledger_identities_hold_and_breakdowns_sum_to_their_totals() -> None:
    result = _run(_data())
    for rep in result.replications:
        rep.arm.world.ledger.check_identity()
        k = rep.kpis
        by_type = sum(v for key, v in k.items() if key.startswith("reward_cost_by_type."))
        assert by_type == pytest.approx(k["reward_cost"], rel=1e-12)
        by_account = sum(v for key, v in k.items() if key.startswith("cost_by_account."))
        assert by_account == pytest.approx(k["program_cost"], rel=1e-12)
        issued = k["points_redeemed"] + k["points_expired"] + k["points_outstanding"]
        assert k["points_issued"] == issued
        # the catalogue's free drink is a product: the voucher account is the gifts' alone
        assert k["reward_cost_by_type.voucher"] == pytest.approx(1.5 * k["birthday_gifts"])
        assert k["reward_cost_by_type.product"] > 0


def test_key_order_never_changes_summary_json() -> None:
    data = _data(replications=1, horizon={"days": 120})
    base = _run(data).to_json()
    rng = random.Random("birthday")
    for _ in range(10):
        assert _run(shuffled(data, rng)).to_json() == base


def test_a_free_gift_worth_nothing_changes_no_other_kpi() -> None:
    """Control: the birthday draws from its own stream, so a gift with no cost, no value and
    no gain leaves every other number of the run exactly as it was."""
    null = GIFT | {"gift_cost": 0.0, "gift_value": 0.0, "gain": 0.0}
    with_null = _run(_data(null)).summary
    without = _run(_data(None)).summary
    assert with_null.pop("birthday_gifts") > 0
    assert with_null == without


def test_gifts_raise_attachment_and_cost_on_common_random_numbers() -> None:
    generous = GIFT | {"gift_value": 50.0, "gain": 0.5}
    a, b = _run(_data(generous)).replications, _run(_data(None)).replications
    for with_gift, without in zip(a, b, strict=True):
        assert with_gift.kpis["mean_attachment"] > without.kpis["mean_attachment"]
        assert with_gift.kpis["program_cost"] > without.kpis["program_cost"]


def test_a_program_may_hold_one_birthday_mechanic_only() -> None:
    data = _data()
    data["program"]["second_birthday"] = GIFT
    with pytest.raises(ScenarioError, match="at most one 'birthday' mechanic"):
        parse_scenario(yaml.safe_dump(data, sort_keys=False))


def test_the_documented_example_is_a_valid_program_section() -> None:
    doc = (ROOT / "docs" / "mechanics.md").read_text(encoding="utf-8")
    section = doc.split("## 6. Birthday reward", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    data = _data(None)
    data["program"].update(yaml.safe_load(block))
    scenario = parse_scenario(yaml.safe_dump(data, sort_keys=False))
    assert scenario.program["birthday"].kind == "birthday"


@pytest.mark.parametrize(
    ("field", "value"), [("gift_cost", -1.0), ("gift_type", "cash"), ("gain", 1.5), ("extra", 1)]
)
def test_bad_params_are_errors_that_name_the_field(field: str, value: Any) -> None:
    data = _data(GIFT | {field: value})
    with pytest.raises(ScenarioError, match=f"program.birthday.{field}"):
        parse_scenario(yaml.safe_dump(data, sort_keys=False))
