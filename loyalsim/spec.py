"""Base class of every scenario spec model: immutable, strict about unknown keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    """A frozen pydantic model that rejects unknown keys (typos must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
