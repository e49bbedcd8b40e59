"""``loyalsim init``: every template writes a commented scenario that validates."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from loyalsim.cli.app import app
from loyalsim.scenario.loader import load_scenario
from loyalsim.templates import TEMPLATES


def init(*args: str):
    return CliRunner().invoke(app, ["init", *args])


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_validates(template: str, tmp_path: Path) -> None:
    done = init(f"my_{template}", "--template", template, "--dir", str(tmp_path))
    assert done.exit_code == 0, done.output
    path = tmp_path / f"my_{template}.yaml"
    text = path.read_text()
    assert text.startswith("# Starter scenario") and text.count("\n#") >= 5
    assert f"loyalsim run my_{template}.yaml" in text and "__NAME__" not in text
    scenario = load_scenario(path)
    assert scenario.name == f"my_{template}"
    assert scenario.program, "a starter scenario has a program to edit"


def test_init_refuses_to_overwrite_and_names_the_templates(tmp_path: Path) -> None:
    assert init("shop", "--dir", str(tmp_path)).exit_code == 0
    again = init("shop", "--dir", str(tmp_path))
    assert again.exit_code != 0 and "already exists" in str(again.exception)
    assert init("shop", "--dir", str(tmp_path), "--force").exit_code == 0
    bad = init("shop", "--template", "bakery", "--dir", str(tmp_path))
    assert bad.exit_code != 0
    assert "allowed: cafe" in str(bad.exception) and "paid" in str(bad.exception)
