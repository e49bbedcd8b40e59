"""Base class of every scenario spec model: immutable, strict about unknown keys."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Spec(BaseModel):
    """A frozen pydantic model that rejects unknown keys (typos must not pass silently) and
    coerces nothing: ``true`` is not a number, ``"7"`` is not a seed, ``10.5`` is not a count,
    and infinities or NaN are no floats (pydantic strict mode, ``allow_inf_nan=False``)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, strict=True, allow_inf_nan=False
    )


class MechanicParams(Spec):
    """A mechanic's params: ``kind`` names the mechanic in YAML (each subclass narrows it
    to a literal, which is what the scenario's discriminated union selects on)."""

    kind: str


Name = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[^.\s](?:[^.]*[^.\s])?$")]
"""The one rule for names inside a program (rewards, tiers, events, partners, actions):
free text with spaces allowed, 1-80 characters, no leading or trailing space and no '.',
because names end up in dotted KPI keys (``tier_share.gold``) and ledger sources."""
