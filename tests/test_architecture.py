"""The package's import layers: every runtime import points down the pipeline, never up.

Import direction (lowest first): the foundation (``errors``, ``spec``, the package ``__init__``)
-> ``engine`` -> ``mechanics`` (plug-ins built on the engine's hook protocol) -> ``scenario``
(validates a file, including each mechanic's params, which live with the mechanic) ->
``metrics`` -> ``experiments`` -> ``outputs`` -> ``report`` -> ``cli`` and ``api`` (the
Python face: results that write folders and reports). A module may import
its own layer and any lower one; an import up the list is a cycle waiting to happen. Imports
inside functions count (they run); ``if TYPE_CHECKING:`` blocks do not (they never run).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from support import ROOT

PACKAGE = ROOT / "src" / "loyalsim"
LAYERS = {
    "errors": 0,
    "spec": 0,
    "__init__": 0,
    "engine": 1,
    "mechanics": 2,
    "scenario": 3,
    "metrics": 4,
    "experiments": 5,
    "outputs": 6,
    "report": 7,
    "templates": 7,  # starter scenarios (data read by `loyalsim init`)
    "cli": 8,
    "api": 8,  # loyalsim.simulate/compare: results that write folders and reports
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    name = ".".join(parts)
    return name.removesuffix(".__init__")


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _runtime_imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported loyalsim module, line, at module level) for imports that run."""
    tree = ast.parse(path.read_text(), filename=str(path))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(n) for n in ast.walk(node))
    top = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from pkg import sub` imports the submodule when there is one, else a name of pkg
            targets = [
                f"{node.module}.{a.name}" if _is_module(f"{node.module}.{a.name}") else node.module
                for a in node.names
            ]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        for target in targets:
            if target.split(".")[0] == "loyalsim":
                found.append((target, node.lineno, id(node) in top))
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def test_every_package_folder_has_a_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    files = {p.stem for p in PACKAGE.glob("*.py")}
    assert folders | files <= set(LAYERS), sorted((folders | files) - set(LAYERS))


def test_imports_point_down_the_pipeline():
    upward = []
    for module, path in _modules().items():
        here = _layer(module)
        for target, line, _ in _runtime_imports(path):
            there = _layer(target)
            if there in LAYERS and LAYERS[there] > LAYERS[here]:
                upward.append(f"{path.relative_to(ROOT)}:{line} ({here}) imports {target}")
    assert not upward, "imports up the pipeline:\n" + "\n".join(upward)


def test_module_level_import_graph_is_acyclic():
    modules = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        for target, _, at_top in _runtime_imports(path):
            if at_top and target in modules and target != module:
                graph[module].add(target)
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle.extend([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
                return True
            if nxt not in state and visit(nxt, [*trail, nxt]):
                return True
        state[node] = 2
        return False

    for start in sorted(modules):
        if start not in state and visit(start, [start]):
            break
    assert not cycle, " -> ".join(cycle)


def test_scenario_layer_names_no_engine_and_loads_no_simulation():
    """scenario/ imports no engine module itself, and loading a file loads neither the
    simulation loop nor any experiment (validation is static)."""
    direct = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for module, path in _modules().items()
        if _layer(module) == "scenario"
        for target, line, _ in _runtime_imports(path)
        if _layer(target) in {"engine", "experiments", "metrics"}
    ]
    assert not direct, direct
    code = (
        "import sys, loyalsim.scenario.loader as l; "
        "print(','.join(m for m in sys.modules if m.startswith('loyalsim.engine.simulation') "
        "or m.startswith('loyalsim.experiments') or m.startswith('loyalsim.metrics')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "", loaded


def test_engine_names_no_mechanic():
    """The engine knows mechanics only through the hook protocol: no mechanic module, and
    no mechanic kind spelled out as a string in engine code."""
    kinds = {p.stem for p in (PACKAGE / "mechanics").glob("*.py")} - {"__init__"}
    offenders = []
    for path in (PACKAGE / "engine").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant) and c.value in kinds for c in node.comparators
            ):
                offenders.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    assert not offenders, offenders
