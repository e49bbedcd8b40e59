"""The YAML examples of docs/mechanics-network.md are valid program sections."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from loyalsim.scenario.loader import validate_data

DOC = Path(__file__).resolve().parents[1] / "docs" / "mechanics-network.md"
BASE = {
    "name": "doc example",
    "horizon": {"weeks": 4},
    "population": {
        "size": 100,
        "segments": [
            {
                "name": "all",
                "share": 1.0,
                "purchase": {"r": 1.0, "alpha": 2.0},
                "dropout": {"a": 1.0, "b": 10.0},
                "spend": {"p": 3.0, "q": 4.0, "gamma": 20.0},
            }
        ],
    },
    "economics": {"gross_margin": 0.3},
}
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)


def test_every_network_mechanic_has_an_example() -> None:
    kinds = {v["kind"] for b in BLOCKS for v in yaml.safe_load(b)["program"].values()}
    assert {"splitting", "referral", "actions", "coalition", "paid_membership"} <= kinds


@pytest.mark.parametrize("block", BLOCKS)
def test_example_validates(block: str) -> None:
    program = yaml.safe_load(block)["program"]
    scenario = validate_data({**BASE, "program": program}, "docs/mechanics-network.md")
    assert set(scenario.program) == set(program)
