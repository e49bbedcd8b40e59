"""A tiny scenario with a search section: fast enough for dozens of trials in a test."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_cafe import TINY


@pytest.fixture
def tiny_text() -> str:
    return TINY


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return path
