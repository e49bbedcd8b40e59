"""Closed registry of program mechanics: the YAML ``kind`` names the class; nothing else
can be imported from a scenario file. Adding a mechanic is one line in ``MECHANICS``."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from functools import reduce
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from pydantic import Field

from loyalsim.engine.hooks import Mechanic, phase_order
from loyalsim.mechanics.acquisition import Acquisition
from loyalsim.mechanics.actions import Actions
from loyalsim.mechanics.birthday import Birthday
from loyalsim.mechanics.coalition import Coalition
from loyalsim.mechanics.earning import SpendEarning, VisitEarning
from loyalsim.mechanics.enrolment import Enrolment, EnrolmentParams
from loyalsim.mechanics.experiences import Experiences
from loyalsim.mechanics.expiry import Expiry
from loyalsim.mechanics.offers import Offers
from loyalsim.mechanics.paid_membership import PaidMembership
from loyalsim.mechanics.referral import Referral
from loyalsim.mechanics.rewards import Rewards
from loyalsim.mechanics.splitting import Splitting
from loyalsim.mechanics.surprise import Surprise
from loyalsim.mechanics.tiers import Tiers
from loyalsim.spec import MechanicParams

MECHANICS: tuple[type[Mechanic], ...] = (
    Enrolment,
    SpendEarning,
    VisitEarning,
    Rewards,
    Expiry,
    Tiers,
    Experiences,
    Surprise,
    Offers,
    Splitting,
    Referral,
    Actions,
    Coalition,
    PaidMembership,
    Birthday,
    Acquisition,
)
REGISTRY: dict[str, type[Mechanic]] = {m.kind: m for m in MECHANICS}

if TYPE_CHECKING:
    MechanicSpec: TypeAlias = MechanicParams
else:
    MechanicSpec = Annotated[
        reduce(operator.or_, (m.Params for m in MECHANICS)), Field(discriminator="kind")
    ]
"""Any mechanic's params, selected by its ``kind`` (a union built from the registry, so a
new mechanic is one registry line; type checkers see the common base)."""


def reserve_rows(program: Mapping[str, Any], population_size: int) -> int:
    """Population rows the program's mechanics reserve for customers they may bring in."""
    return sum(REGISTRY[p.kind].reserve_rows(p, population_size) for p in program.values())


AUTOMATIC_ENROLMENT = "automatic_enrolment"
"""Instance name of the enrolment a program gets when none of its mechanics enrols."""


def build(name: str, params: Any) -> Mechanic[Any]:
    """Instantiate the mechanic of ``params.kind`` named ``name``."""
    return REGISTRY[params.kind](name, params)


def build_program(program: Mapping[str, Any]) -> list[Mechanic[Any]]:
    """The mechanics of a program spec, in phase order; a program without a mechanic that
    decides who joins gets automatic enrolment (every arriving customer is a member)."""
    mechanics = [build(name, spec) for name, spec in sorted(program.items())]
    if mechanics and not any(m.enrols_members for m in mechanics):
        mechanics.append(Enrolment(AUTOMATIC_ENROLMENT, EnrolmentParams(automatic=True)))
    return phase_order(mechanics)
