"""The test tree's own rules: pytest imports test modules by basename (no ``__init__.py``
packages under ``tests/``), so two test modules with the same file name in different folders
make collection fail with "import file mismatch" on a clean clone."""

from __future__ import annotations

from collections import defaultdict

from support import ROOT


def test_test_module_basenames_are_unique():
    by_name: dict[str, list[str]] = defaultdict(list)
    for path in (ROOT / "tests").rglob("*.py"):
        if path.name != "conftest.py":
            by_name[path.name].append(str(path.relative_to(ROOT)))
    clashes = {name: paths for name, paths in by_name.items() if len(paths) > 1}
    assert clashes == {}
