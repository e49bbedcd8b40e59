"""Every registered mechanic has hook-level unit tests (docs/extending.md §9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loyalsim.mechanics import MECHANICS

HERE = Path(__file__).resolve().parent


@pytest.mark.parametrize("mechanic", MECHANICS, ids=[m.kind for m in MECHANICS])
def test_each_mechanic_has_a_hook_test_module_that_builds_it(mechanic: type) -> None:
    module = mechanic.__module__.rsplit(".", 1)[1]
    path = HERE / f"test_hooks_{module}.py"
    assert path.is_file(), f"{mechanic.kind}: no {path.name} (see docs/extending.md §9)"
    assert f'"kind": "{mechanic.kind}"' in path.read_text(encoding="utf-8"), (
        f"{path.name} never builds a {mechanic.kind!r} mechanic"
    )
