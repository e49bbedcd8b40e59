"""Shared fixtures."""

from __future__ import annotations

import os

import pytest
from support import shipped

from loyalsim.scenario.models import Scenario


@pytest.fixture(scope="session")
def coffee() -> Scenario:
    return shipped("coffee_punch_card")


@pytest.fixture(scope="session")
def grocer() -> Scenario:
    return shipped("grocer_points_expiry")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (``LOYALSIM_REQUIRE_SERVICES=1``) a test that needs a browser or a database server
    must run: its skip becomes a failure, so a broken install cannot pass silently."""
    outcome = yield
    report = outcome.get_result()
    if (
        report.skipped
        and os.environ.get("LOYALSIM_REQUIRE_SERVICES") == "1"
        and item.get_closest_marker("service") is not None
    ):
        report.outcome = "failed"
        report.longrepr = f"required service missing in CI: {report.longrepr}"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    """Accept pyproject's ``--numprocesses=2 --dist=loadfile`` when xdist is disabled
    (``-p no:xdist``)."""
    if not pluginmanager.has_plugin("xdist"):
        parser.addoption("--numprocesses", help="ignored: pytest-xdist is disabled")
        parser.addoption("--dist", help="ignored: pytest-xdist is disabled")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """The fuzz corpus (tests/fuzzing_corpus.py), its inputs written under a session folder."""
    from fuzzing import Corpus

    return Corpus(tmp_path_factory.mktemp("fuzz"))
