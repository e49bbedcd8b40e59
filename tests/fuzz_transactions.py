"""Fuzz: transaction logs for ``calibrate`` through the real CLI (issue #16 item 1, third
family). Cases whose fix belongs to the calibrate hardening (issue #16 item 5) are strict
xfails naming the item."""

from __future__ import annotations

import pytest
from fuzzing import assert_case, run_family, sample_params

FAMILY = "transactions"


@pytest.mark.parametrize("index", sample_params(FAMILY))
def test_fast_sample(index: int, corpus) -> None:
    assert_case(corpus, FAMILY, index)


@pytest.mark.slow
def test_whole_family(corpus) -> None:
    run_family(corpus, FAMILY, minimum=25)
