"""A bounded, safe YAML reader for scenario files and ``--set`` values.

A scenario file comes from a user, so reading it must be cheap whatever it holds: the file
must be a regular file (a FIFO or device would block or never end) of at most
:data:`MAX_DOCUMENT_BYTES`; nesting is limited to :data:`MAX_DEPTH`; aliases are counted as if
expanded (a "billion laughs" document is refused before anything walks it) and may not be
recursive; a mapping may not repeat a key (both lines are named). Only plain data is built
(PyYAML's safe constructor: no Python objects). Floats may also be written the YAML 1.2 way
(``1e3``, ``2E-4``), which PyYAML's YAML 1.1 rules would read as strings.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

MAX_DOCUMENT_BYTES = 1_000_000
"""Largest scenario file (shipped ones are about 5 kB)."""
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists (a scenario needs about 8)."""
MAX_NODES = 100_000
"""Most nodes (keys, values, list items) after expanding aliases."""
MAX_SCALAR_CHARS = 2_000_000
"""Most characters in all scalars after expanding aliases."""


class YamlProblem(Exception):
    """Why a YAML text was refused, with its 1-based ``line`` when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Document:
    """Plain data read from YAML and its node tree (for line numbers in error messages)."""

    data: Any
    root: yaml.Node | None


_FLOAT_12 = re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


class _Loader(yaml.SafeLoader):
    """SafeLoader that limits nesting while composing (a deep document must not exhaust the
    Python stack) and reads YAML 1.2 exponent floats."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlProblem(f"nested deeper than {MAX_DEPTH} levels", mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789"))


def read_file(path: Path) -> str:
    """The text of a scenario file; refuses what is not a small regular UTF-8 file.

    The file is opened without blocking and checked with ``fstat`` before anything is read,
    so a FIFO or a device is refused at once instead of hanging."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise YamlProblem("is a directory, not a scenario file")
        if not stat.S_ISREG(info.st_mode):
            raise YamlProblem("is not a regular file (a pipe, device or socket cannot be read)")
        if info.st_size > MAX_DOCUMENT_BYTES:
            raise YamlProblem(_too_large(info.st_size))
        raw = os.read(fd, MAX_DOCUMENT_BYTES + 1)
    finally:
        os.close(fd)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise YamlProblem(_too_large(len(raw)))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlProblem(f"is not UTF-8 text (byte {exc.start}: {exc.reason})") from None


def _too_large(size: int) -> str:
    return f"file is {size:,} bytes; a scenario file may have at most {MAX_DOCUMENT_BYTES:,}"


def read_yaml(text: str) -> Document:
    """Parse one YAML document within the limits above; raises :class:`YamlProblem`."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise YamlProblem(
            f"document has {len(text):,} characters; at most {MAX_DOCUMENT_BYTES:,} are allowed"
        )
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        if root is None:
            return Document(None, None)
        _check_tree(root)
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlProblem(f"not valid YAML: {problem}", mark.line + 1 if mark else None) from None
    except RecursionError:
        raise YamlProblem(f"nested deeper than {MAX_DEPTH} levels") from None
    finally:
        if loader is not None:
            loader.dispose()
    return Document(data, root)


def _check_tree(root: yaml.Node) -> None:
    """Refuse recursive aliases, duplicate keys and documents that expand beyond the limits.

    Each distinct node is visited once; its expanded size is memoised, so the check costs
    the size of the text, not of the expansion."""
    sizes: dict[int, tuple[int, int, int]] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> tuple[int, int, int]:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise YamlProblem("an alias refers to its own anchor (recursive)", _line(node))
        open_nodes.add(key)
        nodes, chars, depth = 1, 0, 1
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            _no_duplicate_keys(node)
            for k, v in node.value:
                children += [k, v]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            chars = len(node.value)
        for child in children:
            n, c, d = size(child)
            nodes, chars, depth = nodes + n, chars + c, max(depth, d + 1)
            if depth > MAX_DEPTH:
                raise YamlProblem(
                    f"nested deeper than {MAX_DEPTH} levels (aliases expanded)", _line(node)
                )
            if nodes > MAX_NODES:
                raise YamlProblem(
                    f"expands to more than {MAX_NODES:,} values (aliases counted as copies)",
                    _line(node),
                )
            if chars > MAX_SCALAR_CHARS:
                raise YamlProblem(
                    f"expands to more than {MAX_SCALAR_CHARS:,} characters of text "
                    "(aliases counted as copies)",
                    _line(node),
                )
        open_nodes.discard(key)
        sizes[key] = (nodes, chars, depth)
        return sizes[key]

    size(root)


def _no_duplicate_keys(node: yaml.MappingNode) -> None:
    seen: dict[str, int] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
            continue
        line = key.start_mark.line + 1
        name = key.value
        if name in seen:
            raise YamlProblem(f"duplicate key '{_cut(name)}' (also at line {seen[name]})", line)
        seen[name] = line


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
