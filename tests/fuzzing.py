"""Harness of the fuzz suite (tests/fuzz_*.py): run one hostile input through the real CLI in a
subprocess with a timeout and a memory cap, and classify what happened.

An outcome is one of ``ran`` and ``clean_error`` (both fine, when the case allows them) or a
failure: ``traceback``, ``hang`` (timeout), ``memory_crash`` (MemoryError or killed by a
signal), ``wrong_exit`` (ran on an input that must be refused, or refused a valid one),
``partial_output`` (a failed command left its output folder, or a successful one left it
incomplete) and ``unclear_error`` (non-zero exit without one ``error:`` line naming the input).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MEMORY_CAP = 3 * 2**30
"""Address-space limit of every fuzzed command: a memory blow-up fails fast, not the machine."""
TIMEOUTS = {"validate": 60.0, "run": 240.0, "compare": 240.0, "calibrate": 240.0}
"""Seconds before a command counts as hung (generous: the test machine may be loaded)."""
OUTPUTS = {
    "run": ("summary.json", "weekly.csv", "scenario.yaml", "report.html"),
    "compare": ("comparison.csv", "comparison.json", "report.html"),
    "calibrate": (),
}
"""Files a successful command must have written into its ``--out`` folder."""
FINE = ("ran", "clean_error")


@dataclass(frozen=True)
class Case:
    """One fuzz input: a family, a label, the CLI arguments and what may happen.

    ``expect`` is ``error`` (the input must be refused), ``ok`` (it must run) or ``either``.
    ``names`` must appear in the error message (the file, the field). ``out`` is the output
    folder the command was given, checked for partial output."""

    family: str
    label: str
    args: tuple[str, ...]
    expect: str = "either"
    names: tuple[str, ...] = ()
    out: Path | None = None
    known: str = ""
    """Non-empty when the case is a known failure owned by another piece of work (says which)."""

    @property
    def command(self) -> str:
        return self.args[0]


@dataclass
class Outcome:
    case: Case
    kind: str
    code: int | None
    stderr: str = ""
    detail: str = ""

    def __str__(self) -> str:
        tail = self.stderr.strip().splitlines()[-3:] if self.stderr else []
        return (
            f"[{self.case.family}] {self.case.label}: {self.kind} (exit {self.code}) "
            f"{self.detail} | {' / '.join(line[:160] for line in tail)}"
        )


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        OPENBLAS_NUM_THREADS="1",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        MPLBACKEND="Agg",
        COLUMNS="100",
        NO_COLOR="1",
        PYTHONWARNINGS="ignore",
    )
    return env


def run_case(case: Case, cwd: Path) -> Outcome:
    """Run ``case`` through ``loyalsim`` in a subprocess and classify the outcome."""
    code_line = "from loyalsim.cli.app import main; main()"
    try:
        done = subprocess.run(
            [sys.executable, "-c", code_line, *case.args],
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TIMEOUTS.get(case.command, 120.0),
            preexec_fn=_limits,
            env=_env(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        return Outcome(case, "hang", None, err or "")
    return classify(case, done.returncode, done.stdout, done.stderr)


def classify(case: Case, code: int, stdout: str, stderr: str) -> Outcome:
    text = stdout + stderr
    if code < 0 or "MemoryError" in text or "_ArrayMemoryError" in text:
        return Outcome(case, "memory_crash", code, stderr)
    if "Traceback (most recent call last)" in text:
        return Outcome(case, "traceback", code, stderr)
    if code == 0:
        if case.expect == "error":
            return Outcome(case, "wrong_exit", code, stderr, "ran on an input that is invalid")
        missing = _missing_outputs(case)
        if missing:
            return Outcome(case, "partial_output", code, stderr, f"missing {missing}")
        return Outcome(case, "ran", code, stderr)
    if case.expect == "ok":
        return Outcome(case, "wrong_exit", code, stderr, "refused a valid input")
    lines = [line for line in stderr.splitlines() if line.strip()]
    if not any(line.startswith("error:") for line in lines):
        return Outcome(case, "unclear_error", code, stderr, "no 'error:' line")
    absent = [n for n in case.names if n not in stderr]
    if absent:
        return Outcome(case, "unclear_error", code, stderr, f"does not name {absent}")
    if case.out is not None and case.out.exists():
        return Outcome(case, "partial_output", code, stderr, f"left {case.out}")
    return Outcome(case, "clean_error", code, stderr)


def _missing_outputs(case: Case) -> list[str]:
    if case.out is None:
        return []
    wanted = OUTPUTS.get(case.command, ())
    if case.command == "calibrate":
        return [] if case.out.is_file() else [str(case.out)]
    return [name for name in wanted if not (case.out / name).is_file()]


@dataclass
class Tally:
    """Outcomes of many cases: counts by kind, failures, and known failures tolerated."""

    counts: Counter[str] = field(default_factory=Counter)
    failures: list[Outcome] = field(default_factory=list)
    known: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.counts[outcome.kind] += 1
        if outcome.kind in FINE:
            return
        (self.known if outcome.case.known else self.failures).append(outcome)

    def report(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        lines = [f"{sum(self.counts.values())} cases: {counts}"]
        lines += [f"KNOWN ({o.case.known}): {o}" for o in self.known]
        lines += [f"FAIL: {o}" for o in self.failures]
        return "\n".join(lines)


def run_all(
    cases: Sequence[Case], cwd: Path, before: Callable[[Case], None] | None = None
) -> Tally:
    """Run ``cases`` on two threads (each case is its own subprocess)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(case: Case) -> Outcome:
        if before is not None:
            before(case)
        return run_case(case, cwd)

    tally = Tally()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for outcome in pool.map(one, cases):
            tally.add(outcome)
    return tally


def assert_outcome(outcome: Outcome) -> None:
    """The assertion of one fast-sample case (a known failure is an xfail, set by the caller)."""
    assert outcome.kind in FINE, str(outcome)


FAST_TARGETS = {"scenario": 10, "cli": 10, "transactions": 5}
"""Cases of each family in the default suite besides the scenario family's structural cases
(all of them run: they are quick ``validate`` calls)."""


class Corpus:
    """The generated corpus of every family, rooted in ``root`` (inputs written when run)."""

    def __init__(self, root: Path) -> None:
        import fuzzing_corpus as gen

        self.ws = gen.Workspace(root)
        structure = list(gen.structure_cases(self.ws))
        self.structure = len(structure)
        self.cases = {
            "scenario": structure + list(gen.mutation_cases(self.ws)),
            "cli": list(gen.cli_cases(self.ws)),
            "transactions": list(gen.transaction_cases(self.ws)),
        }

    def run(self, case: Case) -> Outcome:
        self.ws.materialize(case)
        return run_case(case, self.ws.root)

    def fast_sample(self, family: str) -> list[int]:
        cases = self.cases[family]
        first = self.structure if family == "scenario" else 0
        step = max(1, (len(cases) - first) // FAST_TARGETS[family])
        return list(range(first)) + list(range(first, len(cases), step))


_LISTED: dict[str, Corpus] = {}


def listed() -> Corpus:
    """The corpus as listed at collection time (nothing written; same order as at run time)."""
    if "corpus" not in _LISTED:
        _LISTED["corpus"] = Corpus(Path("/nonexistent/loyalsim-fuzz"))
    return _LISTED["corpus"]


def sample_params(family: str) -> list[Any]:
    """``pytest.param`` per fast-sample case; a known failure owned elsewhere is a strict xfail
    (it must start passing, and then leave the list, when its owner fixes it)."""
    import pytest

    corpus = listed()
    params = []
    for index in corpus.fast_sample(family):
        case = corpus.cases[family][index]
        marks = [pytest.mark.xfail(strict=True, reason=case.known)] if case.known else []
        params.append(pytest.param(index, marks=marks, id=case.label[:70]))
    return params


def assert_case(corpus: Corpus, family: str, index: int) -> None:
    assert_outcome(corpus.run(corpus.cases[family][index]))


def run_family(corpus: Corpus, family: str, minimum: int) -> Tally:
    """Run every case of ``family``; known failures are reported, others fail the test."""
    cases = corpus.cases[family]
    assert len(cases) >= minimum
    tally = run_all(cases, corpus.ws.root, before=corpus.ws.materialize)
    print(tally.report())
    assert not tally.failures, tally.report()
    return tally
