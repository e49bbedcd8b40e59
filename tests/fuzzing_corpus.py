"""The fuzz corpus, generated at test time (nothing large is committed): hostile and careless
variations of every shipped scenario, of the CLI's flags and of transaction logs for
``calibrate``, as :class:`fuzzing.Case` objects (issue #16 item 1).

Expectations are derived from the input, never from the current behaviour: a number replaced
by ``.inf``, ``1e308``, ``2**64``, ``true`` or ``"7"`` must be refused; other replacements may
be refused or run, but cleanly. Cases that fail today in code owned by the output/CLI/calibrate
hardening (issue #16 items 5-8, 10, 11) carry ``known`` naming that item.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from fuzzing import Case
from support import SCENARIOS

SMALL = {"population.size": 300, "horizon": {"days": 28}, "replications": 1}
"""Every scenario is shrunk first, so a case that runs costs about a second of simulation."""

MUST_FAIL_NUMBERS: tuple[Any, ...] = (
    float("inf"),
    float("-inf"),
    float("nan"),
    1e308,
    -1e308,
    2**64,
    True,
    "7",
)
"""Replacements of a number that no field may accept."""
MAYBE_NUMBERS: tuple[Any, ...] = (0, -1, 1e9, 10**12, 0.5, 10**6, None, [1, 2], {"a": 1})
"""Replacements of a number that some fields accept."""
STRINGS: tuple[Any, ...] = ("", "x" * 5000, 12, None, "é" * 50, "a.b", " padded ")
"""Replacements of a text field."""


def small(data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data["population"]["size"] = 300
    data["horizon"] = {"days": 28}
    data["replications"] = 1
    return data


def shipped() -> list[tuple[str, dict[str, Any]]]:
    """(name, shrunk data) of every shipped scenario."""
    return [(p.stem, small(yaml.safe_load(p.read_text()))) for p in SCENARIOS]


def leaves(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, value) of every scalar in plain YAML data."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from leaves(v, (*path, i))
    else:
        yield path, node


def replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return data


def dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**6)


class Workspace:
    """Names case inputs inside ``root`` and writes them only when a case is run, so the corpus
    can be listed (for test ids) without touching the disk."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0
        self.makers: dict[str, Callable[[], None]] = {}

    def _path(self, name: str) -> Path:
        self.count += 1
        return self.root / f"{self.count:05d}-{name}"

    def file(self, name: str, content: str | bytes | Callable[[], str | bytes]) -> Path:
        path = self._path(name)

        def make() -> None:
            body = content() if callable(content) else content
            if isinstance(body, bytes):
                path.write_bytes(body)
            else:
                path.write_text(body, encoding="utf-8")

        self.makers[str(path)] = make
        return path

    def fifo(self) -> Path:
        path = self._path("fifo.yaml")
        self.makers[str(path)] = lambda: os.mkfifo(path)
        return path

    def symlink(self, target: str) -> Path:
        path = self._path("link.yaml")
        self.makers[str(path)] = lambda: path.symlink_to(target)
        return path

    def out(self, name: str) -> Path:
        return self._path(f"out-{name}")

    def materialize(self, case: Case) -> None:
        """Create the inputs ``case`` reads."""
        self.root.mkdir(parents=True, exist_ok=True)
        for arg in case.args:
            make = self.makers.pop(arg, None)
            if make is not None:
                make()


def mutation_cases(ws: Workspace, per_leaf: int = 1) -> Iterator[Case]:
    """Every scalar of every shipped scenario replaced by hostile values: numbers by
    ``per_leaf`` must-fail values (rotating through the list) and one maybe value, texts by
    one odd text. Must-fail values are checked with ``validate``; maybe values with ``run``
    (a value that validates must also run cleanly)."""
    turn = 0
    for name, data in shipped():
        for path, value in leaves(data):
            if path[:1] == ("search",):
                continue
            where = dotted(path)
            if is_number(value):
                for k in range(per_leaf):
                    bad = MUST_FAIL_NUMBERS[(turn + k) % len(MUST_FAIL_NUMBERS)]
                    yield _validate(ws, f"{name}:{where}={bad!r}", data, path, bad)
                maybe = MAYBE_NUMBERS[turn % len(MAYBE_NUMBERS)]
                yield _run(ws, f"{name}:{where}={maybe!r}", data, path, maybe)
            elif isinstance(value, str):
                odd = STRINGS[turn % len(STRINGS)]
                yield _run(ws, f"{name}:{where}={odd!r:.20}", data, path, odd)
            turn += 1


def _mutant(data: Any, path: tuple[Any, ...], value: Any) -> Callable[[], str]:
    """The YAML of ``data`` with ``value`` at ``path``, made only when its case runs (listing
    the corpus, which pytest does in every process, then costs no YAML dumping)."""
    return lambda: dump(replaced(data, path, value))


def _validate(ws: Workspace, label: str, data: Any, path: tuple[Any, ...], value: Any) -> Case:
    file = ws.file("scenario.yaml", _mutant(data, path, value))
    return Case("scenario", label, ("validate", str(file)), "error", names=(str(file),))


def _run(ws: Workspace, label: str, data: Any, path: tuple[Any, ...], value: Any) -> Case:
    file = ws.file("scenario.yaml", _mutant(data, path, value))
    out = ws.out("run")
    return Case(
        "scenario", label, ("run", str(file), "--out", str(out)), "either", (str(file),), out
    )


def billion_laughs(levels: int = 9) -> list[str]:
    lines = ["b0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"b{k}: &b{k} [" + ", ".join([f"*b{k - 1}"] * 10) + "]" for k in range(1, levels)]
    return lines


def structure_cases(ws: Workspace) -> Iterator[Case]:
    """Odd files and YAML tricks: bombs, duplicates, depth, non-regular files, encodings."""
    data = shipped()[0][1]
    text = dump(data)

    def refused(label: str, content: str | bytes) -> Case:
        path = ws.file("odd.yaml", content)
        return Case("scenario", label, ("validate", str(path)), "error", (str(path),))

    bomb = "\n".join(billion_laughs())
    yield refused("alias bomb at top level", text + bomb + "\n")
    plain = dump({k: v for k, v in data.items() if k != "description"})
    yield refused("alias bomb as the description", plain + bomb + "\ndescription: *b8\n")
    weekly = plain.replace("population:\n", "population:\n  seasonality: {weekly: *b8}\n", 1)
    yield refused("alias bomb in a list field", bomb + "\n" + weekly)
    yield refused("recursive alias", text + "extra: &r [1, *r]\n")
    yield refused("duplicate seed", "seed: 1\n" + text + "seed: 2\n")
    yield refused("duplicate section", text + "economics: {gross_margin: 0.5}\n")
    yield refused("deep nesting", text + "extra: " + "[" * 20000 + "]" * 20000 + "\n")
    yield refused(
        "deep mapping", text + "extra:\n" + "".join("  " * i + "k:\n" for i in range(1, 80))
    )
    yield refused("huge name", text.replace("name: ", "name: " + "x" * 1_200_000, 1))
    yield refused("python object tag", text + "extra: !!python/object/apply:os.getcwd []\n")
    yield refused("binary tag", text + "extra: !!binary aGVsbG8=\n")
    yield refused("set tag", text + "extra: !!set {a, b}\n")
    yield refused("empty file", "")
    yield refused("only a comment", "# nothing here\n")
    yield refused("top-level list", "- a\n- b\n")
    yield refused("top-level scalar", "42\n")
    yield refused("latin-1 bytes", text.encode("utf-8") + "description: Müller\n".encode("latin-1"))
    yield refused("binary garbage", bytes(range(256)) * 16)
    yield refused("tab indentation", text.replace("  ", "\t", 3))
    yield refused("unclosed flow", text + "extra: [1, 2\n")
    yield refused("merge of a scalar", text + "extra:\n  <<: 5\n")
    yield refused("non-string keys", text + "1: one\ntrue: yes\n")
    yield refused("null key", text + "~: x\n")
    yield Case(
        "scenario",
        "bom-prefixed file",
        ("validate", str(ws.file("bom.yaml", b"\xef\xbb\xbf" + text.encode()))),
        "either",
    )
    fifo = ws.fifo()
    yield Case("scenario", "a FIFO", ("validate", str(fifo)), "error", (str(fifo),))
    out = ws.out("fifo-run")
    yield Case("scenario", "a FIFO to run", ("run", str(fifo), "--out", str(out)), "error", (), out)
    yield Case("scenario", "a directory", ("validate", str(ws.root)), "error", (str(ws.root),))
    yield Case("scenario", "a character device", ("validate", "/dev/zero"), "error", ("/dev/zero",))
    link = ws.symlink("/dev/zero")
    yield Case("scenario", "a symlink to /dev/zero", ("validate", str(link)), "error", (str(link),))
    missing = ws.root / "missing.yaml"
    yield Case("scenario", "a missing file", ("validate", str(missing)), "error", (str(missing),))
    huge = ws.file("huge.yaml", lambda: text + "description: '" + "x" * 20_000_000 + "'\n")
    yield Case("scenario", "a 20 MB description", ("validate", str(huge)), "error", (str(huge),))


def cli_cases(ws: Workspace) -> Iterator[Case]:
    """Flags given by a careless or hostile user (``--set``, ``--variant``, ``--seed`` ...)."""
    _, data = shipped()[0]
    base = ws.file("base.yaml", dump(data))
    b = str(base)

    def run(label: str, *flags: str, expect: str = "error", known: str = "") -> Case:
        out = ws.out("flags")
        return Case("cli", label, ("run", b, "--out", str(out), *flags), expect, (), out, known)

    for value in ("-1", "4294967296", "18446744073709551616", "abc", "1e3", ""):
        yield run(f"--seed {value!r}", "--seed", value)
    yield run("--seed 4294967295", "--seed", "4294967295", expect="ok")
    for value in ("0", "1000000000000000000", "x"):
        yield run(f"--replications {value!r}", "--replications", value)
    for value in (
        "seed=true",
        "seed='7'",
        "seed=.inf",
        "population.size=1e30",
        "population.size=10000000000000",
        "horizon={days: 1000000000}",
        "replications=1000000000000000000",
        "x",
        "=1",
        "a..b=1",
        "population.segments[99].share=1",
        "population.segments[0].share=0.5",
        "program.nosuch.points=1",
        "economics.gross_margin=[1, 2",
        "name={" + "x" * 120_000,  # one argv string may hold 128 kB
        "description=" + "{" + ", ".join(billion_laughs()) + "}",
        "program.earning.points_per_unit=1e14",
        "population.segments[0].attachment=5.0",
        "population.segments[0].enrol_propensity={dist: uniform, low: -5, high: 7}",
    ):
        yield run(f"--set {value[:40]!r}", "--set", value)
    yield run("--set seed=3", "--set", "seed=3", expect="ok")
    yield Case("cli", "--out ''", ("run", b, "--out", ""), "error", (), None)
    existing = ws.file("existing-file.txt", "keep me")
    yield Case("cli", "--out onto a file", ("run", b, "--out", str(existing)), "error", ())
    yield Case("cli", "--out /dev/null", ("run", b, "--out", "/dev/null"), "error", ())

    def compare(label: str, *flags: str, expect: str = "error", known: str = "") -> Case:
        out = ws.out("compare")
        args = ("compare", b, "--out", str(out), "--replications", "2", *flags)
        return Case("cli", label, args, expect, (), out, known)

    for variant in (
        "v:seed=1,,seed=2",
        "v:seed=1,seed=2",
        ":seed=1",
        "v:",
        "v",
        "v:nosuch=1",
        "v:seed=abc",
        "v:population.size=-5",
    ):
        yield compare(f"--variant {variant!r}", "--variant", variant)
    yield compare(
        "--variant named like an output file",
        "--variant",
        "comparison.csv:seed=1",
    )
    yield compare("--variant seed=5", "--variant", "five:seed=5", expect="ok")
    yield compare("--jobs 0", "--variant", "v:seed=1", "--jobs", "0")


def _transactions(n_customers: int = 60, seed: int = 1) -> list[tuple[str, str, float]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        first = int(rng.integers(0, 120))
        days = sorted({first, *rng.integers(first, 360, size=int(rng.integers(1, 9))).tolist()})
        for d in days:
            day = np.datetime64("2020-01-01") + np.timedelta64(int(d), "D")
            rows.append((f"C{c:04d}", str(day), round(float(rng.gamma(3.0, 12.0)), 2)))
    return rows


def _csv(rows: list[tuple[Any, ...]], header: str = "customer,date,amount", sep: str = ",") -> str:
    return header.replace(",", sep) + "\n" + "".join(sep.join(map(str, r)) + "\n" for r in rows)


def transaction_cases(ws: Workspace) -> Iterator[Case]:
    """Messy transaction logs for ``calibrate`` (the output/calibrate hardening owns most fixes)."""
    rows = _transactions()

    def calibrate(
        label: str,
        content: str | bytes,
        *flags: str,
        expect: str = "either",
        known: str = "",
        name: str = "log.csv",
    ) -> Case:
        path = ws.file(name, content)
        out = ws.out("calibrated") / "population.yaml"
        args = (
            "calibrate",
            str(path),
            "--calibration-end",
            "2020-09-30",
            "--out",
            str(out),
            "--replications",
            "2",
            *flags,
        )
        return Case("transactions", label, args, expect, (), out, known)

    yield calibrate("a clean log", _csv(rows), expect="ok")
    zero = [*rows, *((r[0], r[1], 0.0) for r in rows[::7])]
    yield calibrate("zero-value orders", _csv(zero), expect="ok")
    yield calibrate("negative amounts", _csv([*rows, (rows[0][0], rows[0][1], -20.0)]))
    yield calibrate("duplicate lines", _csv(rows + rows[:20]))
    yield calibrate("unsorted dates", _csv(list(reversed(rows))), expect="ok")
    tz = [(c, f"{d}T10:00:00+0{k % 3}:00", a) for k, (c, d, a) in enumerate(rows)]
    yield calibrate("mixed UTC offsets", _csv(tz))
    for date in ("9999-12-31", "1500-01-01", "2020-02-30", "not a date", ""):
        bad = [*rows, ("C9999", date, 10.0)]
        yield calibrate(f"date {date!r}", _csv(bad))
    for amount in ("inf", "nan", "1e308", "abc", "", "-0"):
        bad = [*rows, ("C0001", "2020-03-03", amount)]
        yield calibrate(f"amount {amount!r}", _csv(bad))
    yield calibrate("--sep ''", _csv(rows), "--sep", "")
    yield calibrate("--sep ';' on a comma file", _csv(rows), "--sep", ";")
    yield calibrate("semicolon file", _csv(rows, sep=";"), "--sep", ";", expect="ok")
    yield calibrate("empty file", "")
    yield calibrate("header only", "customer,date,amount\n")
    yield calibrate("missing column", _csv([r[:2] for r in rows], header="customer,date"))
    yield calibrate("one customer", _csv([r for r in rows if r[0] == "C0001"]))
    latin = _csv([("Müller", "2020-01-05", 10.0), ("Möller", "2020-02-05", 12.0), *rows])
    yield calibrate("latin-1 ids", latin.encode("latin-1"))
    yield calibrate("binary garbage", bytes(range(256)) * 8)
    yield calibrate("fake parquet", _csv(rows), name="log.parquet")
    yield calibrate("truncated parquet", b"PAR1" + bytes(range(64)), name="log.parquet")
    yield calibrate("--customer-col 99", _csv(rows), "--customer-col", "99")
    yield calibrate("--calibration-end garbage", _csv(rows), "--calibration-end", "soon")
    missing = ws.root / "no-such-log.csv"
    out = ws.out("calibrated") / "population.yaml"
    yield Case(
        "transactions",
        "missing log",
        ("calibrate", str(missing), "--calibration-end", "2020-09-30", "--out", str(out)),
        "error",
        (str(missing),),
        out,
    )
