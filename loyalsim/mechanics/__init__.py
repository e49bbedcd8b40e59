"""Closed registry of program mechanics: the YAML ``kind`` names the class; nothing else
can be imported from a scenario file."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Annotated, Any

from pydantic import Field

from loyalsim.mechanics.base import Mechanic
from loyalsim.mechanics.earning import SpendEarning, VisitEarning
from loyalsim.mechanics.enrolment import Enrolment
from loyalsim.mechanics.experiences import Experiences
from loyalsim.mechanics.expiry import Expiry
from loyalsim.mechanics.offers import Offers
from loyalsim.mechanics.rewards import Rewards
from loyalsim.mechanics.surprise import Surprise
from loyalsim.mechanics.tiers import Tiers

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
)
REGISTRY: dict[str, type[Mechanic]] = {m.kind: m for m in MECHANICS}

MechanicSpec = Annotated[  # type: ignore[valid-type]
    reduce(operator.or_, (m.Params for m in MECHANICS)), Field(discriminator="kind")
]
"""Any mechanic's params, selected by its ``kind``."""


def build(name: str, params: Any) -> Mechanic:
    """Instantiate the mechanic of ``params.kind`` named ``name``."""
    return REGISTRY[params.kind](name, params)
