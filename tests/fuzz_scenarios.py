"""Fuzz: scenario files through the real CLI (issue #16 item 1, first family).

Mutations of every shipped scenario (every scalar replaced by hostile values), YAML bombs,
duplicate keys, deep nesting and odd files (FIFO, device, directory, binary, 20 MB), plus
hypothesis-driven random mutations of any node. The default suite runs a sample; ``-m slow``
runs the whole family and 200 random mutations.
"""

from __future__ import annotations

import math

import pytest
from fuzzing import Case, Tally, assert_case, run_family, sample_params
from fuzzing_corpus import dotted, dump, is_number, replaced, shipped
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FAMILY = "scenario"


@pytest.mark.parametrize("index", sample_params(FAMILY))
def test_fast_sample(index: int, corpus) -> None:
    assert_case(corpus, FAMILY, index)


@pytest.mark.slow
def test_whole_family(corpus) -> None:
    run_family(corpus, FAMILY, minimum=800)


HOSTILE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.none(),
    st.text(max_size=30),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=4),
    st.dictionaries(st.sampled_from(["a", "kind", "dist", "days"]), st.integers(), max_size=2),
)


def nodes(node, path=()):
    """Every node's path (scalars, lists and mappings alike)."""
    if path:
        yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from nodes(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from nodes(v, (*path, i))


def must_fail(old, new) -> bool:
    """A number replaced by a non-number, a non-finite float or a huge value is invalid."""
    if not is_number(old):
        return False
    if isinstance(new, bool | str):
        return True
    return (isinstance(new, float) and not math.isfinite(new)) or (
        is_number(new) and abs(new) > 1e15
    )


def mutate_and_run(corpus, which: int, slot: int, value) -> Tally:
    """Validate a random mutation; if it validates, it must also run cleanly."""
    scenarios = shipped()
    name, data = scenarios[which % len(scenarios)]
    paths = list(nodes(data))
    path = paths[slot % len(paths)]
    node = data
    for part in path:
        node = node[part]
    mutated = replaced(data, path, value)
    label = f"{name}:{dotted(path)}={value!r:.30}"
    expect = "error" if must_fail(node, value) else "either"
    file = corpus.ws.file("random.yaml", dump(mutated))
    tally = Tally()
    check = Case(FAMILY, label, ("validate", str(file)), expect, (str(file),))
    outcome = corpus.run(check)
    tally.add(outcome)
    if outcome.kind == "ran":
        out = corpus.ws.out("random-run")
        tally.add(
            corpus.run(
                Case(FAMILY, label, ("run", str(file), "--out", str(out)), "ok", (str(file),), out)
            )
        )
    return tally


def random_mutation(corpus, data) -> None:
    which = data.draw(st.integers(min_value=0, max_value=100), label="scenario")
    slot = data.draw(st.integers(min_value=0, max_value=10_000), label="node")
    value = data.draw(HOSTILE, label="value")
    tally = mutate_and_run(corpus, which, slot, value)
    assert not tally.failures, tally.report()


@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_random_mutations_sample(corpus, data) -> None:
    random_mutation(corpus, data)


@pytest.mark.slow
@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_random_mutations(corpus, data) -> None:
    random_mutation(corpus, data)
