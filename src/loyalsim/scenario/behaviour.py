"""Behavioural model parameters. Every default and its source is documented in docs/model.md."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, PositiveFloat, model_validator

from loyalsim.spec import Spec

NonNegative = Annotated[float, Field(ge=0.0)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


PRESETS: dict[str, dict[str, float]] = {
    "specialty_retail": {"headroom_visits_per_week": 0.5},
    "travel": {"headroom_visits_per_week": 0.1},
}
"""Named category presets: the only category differences the library allows. Each sets the
category's purchase-frequency ceiling (docs/model.md §3, presets, with their sources); every
other parameter keeps the one default set."""

Preset = Literal["specialty_retail", "travel"]


class BehaviourSpec(Spec):
    """How members respond to a program (all effects are multiplicative on base rates)."""

    preset: Preset | None = None
    """A category preset (``PRESETS``): fills the parameters it names unless set explicitly."""
    membership_lift: NonNegative = 0.02
    goal_gradient: NonNegative = 3.5
    goal_gradient_curvature: PositiveFloat = 1.0
    basket_gradient: NonNegative = 0.15
    endowed_progress: NonNegative = 1.0
    reset_carry: Probability = 0.4
    reset_half_life_days: PositiveFloat = 10.0
    post_reward_dropout: NonNegative = 0.7
    headroom_visits_per_week: PositiveFloat = 1.0
    headroom_steepness: PositiveFloat = 2.0
    value_ref_rate: PositiveFloat = 0.10
    value_half_rate: PositiveFloat = 0.5
    product_displacement: Probability = 0.75
    impatience_per_year: NonNegative = 2.0
    rival_dilution: NonNegative = 0.15
    progress_lockin: Probability = 0.3
    engaged_redeem_prob: Probability = 0.9
    passive_redeem_prob: Probability = 0.25
    patience_days: PositiveFloat = 365.0
    give_up_prob: Probability = 0.1
    forfeit_give_up_prob: Probability = 0.5
    frustration_dropout: NonNegative = 1.0
    attachment_visit_effect: NonNegative = 0.3
    attachment_dropout_effect: NonNegative = 1.0
    attachment_half_life_days: PositiveFloat = 180.0
    attachment_gain_redeem: Probability = 0.05
    attachment_loss_forfeit: Probability = 0.10
    attachment_loss_give_up: Probability = 0.05

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        """Fill a preset's parameters that the scenario does not set itself."""
        if isinstance(data, dict) and data.get("preset") in PRESETS:
            return PRESETS[data["preset"]] | data
        return data


class EconomicsSpec(Spec):
    """Money: margin on sales and the program's running costs (reward costs live with rewards)."""

    currency: str = "USD"
    gross_margin: Annotated[float, Field(gt=0.0, le=1.0)]
    fixed_cost_per_year: NonNegative = 0.0
    cost_per_member_per_month: NonNegative = 0.0
    discount_rate: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.08
    """Annual rate that discounts incremental profit to its net present value (assumption:
    a typical retailer's cost of capital)."""


class KpiSpec(Spec):
    """Settings of KPI definitions."""

    active_window_days: Annotated[int, Field(ge=1)] = 90
