"""Fast start: --help, --version and validate load no heavy library; commands registered in
one place, without an import cycle; the lazy public API of ``loyalsim``."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from importlib.metadata import version

import pytest
from support import ROOT

import loyalsim

HEAVY = ("pandas", "scipy", "optuna", "matplotlib")
COMMANDS = (
    "run",
    "compare",
    "optimize",
    "calibrate",
    "calibrate-response",
    "check-data",
    "report",
    "validate",
    "schema",
)
# Without a 'search:' section: loading one still runs a tiny simulation to learn KPI names.
PLAIN = str(ROOT / "scenarios" / "hotel_tiers_experiences.yaml")

PROBE = """
import json, sys
sys.argv = ["loyalsim", *sys.argv[1:]]
from loyalsim.cli.app import main
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code or 0
heavy = sorted(m for m in HEAVY if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def probe(*args: str) -> tuple[dict, str]:
    """Run the CLI entry point in a fresh interpreter; its exit code, heavy modules, stdout."""
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{PROBE}", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


@pytest.mark.parametrize(
    "args", [("--help",), ("--version",), ("validate", PLAIN)], ids=["help", "version", "validate"]
)
def test_fast_commands_import_no_heavy_library(args: tuple[str, ...]) -> None:
    result, out = probe(*args)
    assert result == {"code": 0, "heavy": []}, out
    assert out.strip()


def test_version_prints_the_installed_version() -> None:
    _, out = probe("--version")
    assert out.strip() == f"loyalsim {version('loyalsim')}"
    assert re.fullmatch(r"loyalsim \d+\.\d+\.\d+\S*", out.strip())


def test_help_lists_every_command_and_completion() -> None:
    _, out = probe("--help")
    listed = re.findall(r"^│ ([\w-]+) ", out, flags=re.MULTILINE)
    assert set(COMMANDS) <= set(listed), out
    for option in ("--version", "--install-completion", "--show-completion"):
        assert option in out


def test_command_modules_do_not_import_the_app() -> None:
    """app -> *_cmd only: a command module importing loyalsim.cli.app would be a cycle."""
    modules = [p for p in (ROOT / "src" / "loyalsim" / "cli").glob("*.py") if p.name != "app.py"]
    assert len(modules) >= 6
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or "", *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert "loyalsim.cli.app" not in names, f"{path.name} imports loyalsim.cli.app"


def test_public_api_is_lazy_but_complete() -> None:
    code = f"import sys, loyalsim; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr

    from loyalsim import (  # noqa: F401
        Arm,
        Compared,
        Comparison,
        LoyalsimError,
        Run,
        RunResult,
        Scenario,
        ScenarioError,
        compare,
        load_scenario,
        simulate,
        with_overrides,
    )
    from loyalsim.api import simulate as defined

    assert loyalsim.simulate is defined and issubclass(Run, RunResult)
    assert set(loyalsim.__all__) <= set(dir(loyalsim))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = loyalsim.nope
