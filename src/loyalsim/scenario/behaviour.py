"""Behavioural model parameters. Every default and its source is documented in docs/model.md."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from loyalsim.spec import MAX_EFFECT, DayCount, Effect, HalfLife, Money, Probability, Spec

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
    membership_lift: Effect = 0.02
    goal_gradient: Effect = 3.5
    goal_gradient_curvature: Annotated[float, Field(gt=0.0, le=MAX_EFFECT)] = 1.0
    basket_gradient: Effect = 0.15
    endowed_progress: Effect = 1.0
    reset_carry: Probability = 0.4
    reset_half_life_days: HalfLife = 10.0
    post_reward_dropout: Effect = 0.7
    enrol_benefit_half: Money = 20.0
    headroom_visits_per_week: Annotated[float, Field(gt=0.0, le=MAX_EFFECT)] = 1.0
    headroom_steepness: Annotated[float, Field(gt=0.0, le=MAX_EFFECT)] = 2.0
    value_ref_rate: Annotated[float, Field(gt=0.0, le=MAX_EFFECT)] = 0.10
    value_half_rate: Annotated[float, Field(gt=0.0, le=MAX_EFFECT)] = 0.5
    product_displacement: Probability = 0.75
    impatience_per_year: Effect = 2.0
    rival_dilution: Effect = 0.15
    progress_lockin: Probability = 0.3
    engaged_redeem_prob: Probability = 0.9
    passive_redeem_prob: Probability = 0.25
    patience_days: HalfLife = 365.0
    give_up_prob: Probability = 0.1
    forfeit_give_up_prob: Probability = 0.5
    frustration_dropout: Effect = 1.0
    attachment_visit_effect: Effect = 0.3
    attachment_dropout_effect: Effect = 1.0
    attachment_half_life_days: HalfLife = 180.0
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

    @model_validator(mode="after")
    def _preset_values_are_not_set_by_the_user(self) -> BehaviourSpec:
        """Values the preset filled in do not count as set, so another preset given later (by
        ``--set behaviour.preset=...``) replaces them instead of keeping the old preset's."""
        for name, value in PRESETS.get(self.preset or "", {}).items():
            if getattr(self, name) == value:
                self.__pydantic_fields_set__.discard(name)
        return self


class EconomicsSpec(Spec):
    """Money: margin on sales and the program's running costs (reward costs live with rewards)."""

    currency: str = Field(default="USD", min_length=1, max_length=12)
    gross_margin: Annotated[float, Field(gt=0.0, le=1.0)]
    fixed_cost_per_year: Annotated[float, Field(ge=0.0, le=1e12)] = 0.0
    cost_per_member_per_month: Money = 0.0
    discount_rate: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.08
    """Annual rate that discounts incremental profit to its net present value (assumption:
    a typical retailer's cost of capital)."""


class KpiSpec(Spec):
    """Settings of KPI definitions."""

    active_window_days: DayCount = 90
