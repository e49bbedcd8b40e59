"""Shared fixtures."""

from __future__ import annotations

import pytest
from support import shipped

from loyalsim.scenario.models import Scenario


@pytest.fixture(scope="session")
def coffee() -> Scenario:
    return shipped("coffee_punch_card")


@pytest.fixture(scope="session")
def grocer() -> Scenario:
    return shipped("grocer_points_expiry")
