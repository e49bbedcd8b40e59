"""Hostile and careless scenario input: the reader bounds what it reads and expands, keys may
not repeat, and nothing is coerced (issue #16 items 3 and 9)."""

from __future__ import annotations

import os
import time

import pytest
from test_scenario import MINIMAL

from loyalsim.errors import OverrideError, ScenarioError
from loyalsim.scenario.loader import load_scenario, parse_scenario
from loyalsim.scenario.overrides import parse_assignment
from loyalsim.scenario.yaml_reader import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    YamlProblem,
    read_yaml,
)


def problems(text: str, overrides: dict | None = None) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "test.yaml", overrides)
    assert str(info.value).startswith("test.yaml")
    return info.value.problems


def billion_laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL.replace("name: minimal\n", "name: minimal\nseed: 1\nseed: 2\n"), "seed"),
        (MINIMAL.replace("share: 1.0", "share: 1.0\n      share: 0.5"), "share"),
        (MINIMAL + "economics: {gross_margin: 0.4}\n", "economics"),
    ],
    ids=["top-level-seed", "segment-share", "section"],
)
def test_duplicate_keys_are_errors_naming_both_lines(text: str, expected: str) -> None:
    lines = text.splitlines()
    first, second = [n + 1 for n, line in enumerate(lines) if line.strip().startswith(expected)][:2]
    assert problems(text) == [f"line {second}: duplicate key '{expected}' (also at line {first})"]


def test_duplicate_keys_inside_flow_mappings_are_found() -> None:
    text = MINIMAL.replace("{r: 1.0, alpha: 2.0}", "{r: 1.0, alpha: 2.0, r: 3.0}")
    assert problems(text) == ["line 8: duplicate key 'r' (also at line 8)"]


def test_merge_keys_still_work() -> None:
    text = MINIMAL.replace(
        "      spend: {p: 3.0, q: 4.0, gamma: 20.0}",
        "      spend:\n        <<: {p: 3.0, q: 4.0}\n        gamma: 20.0",
    )
    assert parse_scenario(text).population.segments[0].spend.q == 4.0


def test_an_alias_bomb_is_refused_at_once() -> None:
    text = (
        MINIMAL.replace("name: minimal\n", "name: minimal\n")
        + "search:\n"
        + "".join("  " + line + "\n" for line in billion_laughs().splitlines())
    )
    started = time.perf_counter()
    found = problems(text)
    assert time.perf_counter() - started < 2.0
    assert len(found) == 1 and "expands to more than 100,000 values" in found[0], found


def test_an_alias_bomb_in_a_set_value_is_refused() -> None:
    with pytest.raises(OverrideError, match="expands to more than"):
        parse_assignment("description=" + "{" + billion_laughs().replace("\n", ", ") + "}")


def test_recursive_alias_is_refused() -> None:
    assert problems(MINIMAL + "search: &s {parameters: *s}\n") == [
        "line 17: an alias refers to its own anchor (recursive)"
    ]


def test_deep_nesting_is_refused_without_exhausting_the_stack() -> None:
    for text in ("x: " + "[" * 5000 + "]" * 5000, "x: " + "{a: " * 5000 + "1" + "}" * 5000):
        with pytest.raises(YamlProblem, match=f"nested deeper than {MAX_DEPTH} levels"):
            read_yaml(text)


def test_nesting_through_aliases_counts_as_expanded() -> None:
    lines = ["a0: &a0 " + "[" * 10 + "1" + "]" * 10]
    lines += [f"a{k}: &a{k} " + "[" * 10 + f"*a{k - 1}" + "]" * 10 for k in range(1, 8)]
    with pytest.raises(YamlProblem, match="aliases expanded"):
        read_yaml("\n".join(lines))


def test_python_objects_are_never_constructed(tmp_path) -> None:
    marker = tmp_path / "ran"
    text = MINIMAL + f"description: !!python/object/apply:os.system ['touch {marker}']\n"
    found = problems(text)
    assert "could not determine a constructor" in found[0]
    assert not marker.exists()


def test_a_huge_document_is_refused_before_parsing() -> None:
    text = MINIMAL.replace("name: minimal", "name: " + "x" * MAX_DOCUMENT_BYTES)
    assert problems(text) == [
        f"document has {len(text):,} characters; at most {MAX_DOCUMENT_BYTES:,} are allowed"
    ]


def test_a_huge_file_is_refused_from_its_size(tmp_path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(MINIMAL + "description: '" + "x" * 20_000_000 + "'\n")
    with pytest.raises(ScenarioError, match="at most 1,000,000") as info:
        load_scenario(path)
    assert str(info.value).startswith(str(path))


def test_a_fifo_is_refused_instead_of_blocking(tmp_path) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_scenario(fifo)


def test_a_directory_and_binary_file_are_refused(tmp_path) -> None:
    with pytest.raises(ScenarioError, match="is a directory"):
        load_scenario(tmp_path)
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(binary)


REWARD = "program.rewards.catalogue[0]"
MARGIN = "economics.gross_margin"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "points: 100",
            "points: true",
            f"{REWARD}.points: Input should be a valid integer",
        ),
        (
            "cost: 5,",
            "cost: true,",
            f"{REWARD}.cost: Input should be a valid number",
        ),
        ("name: minimal", "name: minimal\nseed: '7'", "seed: Input should be a valid integer"),
        ("size: 100", "size: 100.0", "population.size: Input should be a valid integer"),
        (
            "gross_margin: 0.3",
            "gross_margin: '0.3'",
            f"{MARGIN}: Input should be a valid number",
        ),
        (
            "gross_margin: 0.3",
            "gross_margin: .nan",
            f"{MARGIN}: Input should be a finite number",
        ),
        ("name: minimal", "name: 2026", "name: Input should be a valid string"),
    ],
    ids=[
        "bool-points",
        "bool-cost",
        "string-seed",
        "float-size",
        "string-margin",
        "nan",
        "int-name",
    ],
)
def test_nothing_is_coerced(old: str, new: str, expected: str) -> None:
    found = problems(MINIMAL.replace(old, new))
    assert len(found) == 1 and expected in found[0], found


def test_set_values_are_not_coerced_either() -> None:
    found = problems(MINIMAL, dict([parse_assignment("seed='7'")]))
    assert len(found) == 1 and "seed: Input should be a valid integer" in found[0]


def test_yaml_12_exponent_floats_are_numbers() -> None:
    text = MINIMAL.replace("gamma: 20.0", "gamma: 2e1").replace(
        "gross_margin: 0.3", "gross_margin: 3E-1"
    )
    scenario = parse_scenario(text)
    assert scenario.population.segments[0].spend.gamma == 20.0
    assert scenario.economics.gross_margin == 0.3


def test_a_long_set_value_is_not_echoed_whole() -> None:
    with pytest.raises(OverrideError) as info:
        parse_assignment("name={" + "x" * 200_000)
    assert len(str(info.value)) < 400


def test_a_variant_may_not_set_a_path_twice() -> None:
    from loyalsim.errors import LoyalsimError
    from loyalsim.experiments.compare import parse_variant

    for text in ("v:seed=1,,seed=2", "v:seed=1,seed=2"):
        with pytest.raises(LoyalsimError, match="'seed' is set twice"):
            parse_variant(text)
    assert parse_variant("v:a=[1, 2],b=3") == ("v", {"a": [1, 2], "b": 3})
