"""Dotted-path overrides (``program.earning.points_per_unit=2``).

One mechanism serves the CLI's ``--set``, comparison variants and the optimiser: overrides
are applied to the plain data of a scenario, which is then validated again.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Mapping
from typing import Any

from loyalsim.errors import OverrideError
from loyalsim.scenario.yaml_reader import YamlProblem, read_yaml

_NAME = r"[^.\[\]=\s]+"
_VALID = re.compile(rf"{_NAME}(?:\.{_NAME}|\[\d+\])*")
_PART = re.compile(rf"({_NAME})|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``a.b[0].c`` -> ``['a', 'b', 0, 'c']``."""
    if not _VALID.fullmatch(path):
        raise OverrideError(f"malformed path '{path}' (use dots and [index], e.g. a.b[0].c)")
    return [m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PART.finditer(path)]


def format_path(parts: list[str | int] | tuple[str | int, ...]) -> str:
    """``['a', 'b', 0, 'c']`` -> ``a.b[0].c``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_assignment(text: str) -> tuple[str, Any]:
    """``path=value`` with the value read as YAML (numbers, booleans, lists, null)."""
    if "=" not in text:
        raise OverrideError(f"override '{text}' must look like path=value")
    path, raw = text.split("=", 1)
    path = path.strip()
    parse_path(path)
    try:
        value = read_yaml(raw).data if raw.strip() else ""
    except YamlProblem as exc:
        raise OverrideError(f"override '{_cut(text)}': value refused ({exc})") from None
    return path, value


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return a deep copy of ``data`` with each dotted path set to its value."""
    result: dict[str, Any] = copy.deepcopy(dict(data))
    for path, value in overrides.items():
        parts = parse_path(path)
        node: Any = result
        for depth, part in enumerate(parts[:-1]):
            node = _child(node, part, parts[: depth + 1], path, create=True)
        last = parts[-1]
        if isinstance(last, int):
            if not isinstance(node, list) or last >= len(node):
                raise OverrideError(f"--set {path}: no list item [{last}] there")
            node[last] = copy.deepcopy(value)
        elif isinstance(node, dict):
            node[last] = copy.deepcopy(value)
        else:
            where = format_path(parts[:-1])
            raise OverrideError(f"--set {path}: '{where}' is not a mapping")
    return result


def _child(node: Any, part: str | int, so_far: list[str | int], path: str, create: bool) -> Any:
    if isinstance(part, int):
        if isinstance(node, list) and part < len(node):
            return node[part]
        raise OverrideError(f"--set {path}: '{format_path(so_far)}' is not an existing list item")
    if not isinstance(node, dict):
        raise OverrideError(f"--set {path}: '{format_path(so_far[:-1])}' is not a mapping")
    if part not in node or node[part] is None:
        if not create:
            raise OverrideError(f"--set {path}: nothing at '{format_path(so_far)}'")
        if part not in node:
            _no_such_key(node, part, so_far, path)
        node[part] = {}
    return node[part]


def _no_such_key(node: dict[str, Any], part: str, so_far: list[str | int], path: str) -> None:
    """Refuse to create a mapping that is a likely typo of an existing key (or of a mechanic's
    name), saying which one was meant; creating a genuinely new section stays allowed."""
    keys = [str(k) for k in node]
    close = difflib.get_close_matches(part, keys, n=1, cutoff=0.6)
    where = format_path(so_far)
    if so_far[:1] == ["program"] and len(so_far) == 2:
        kinds = {k: str((v or {}).get("kind", k)) for k, v in node.items() if isinstance(v, dict)}
        by_kind = [k for k, kind in kinds.items() if part in kind.split("_") or part == kind]
        guess = close or by_kind
        hint = (
            f"; did you mean '{guess[0]}' (kind {kinds.get(guess[0], guess[0])})?" if guess else ""
        )
        raise OverrideError(
            f"--set {path}: the program has no mechanic named '{part}'{hint} (mechanics: "
            f"{', '.join(keys) or 'none'}; a mechanic's name is its key under 'program:')"
        )
    if close:
        raise OverrideError(
            f"--set {path}: no '{where}'; did you mean '{close[0]}'? "
            f"(keys there: {', '.join(keys)})"
        )


def _cut(text: str, limit: int = 80) -> str:
    """A user's text shortened for an error message (a 200 kB value is not echoed whole)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
