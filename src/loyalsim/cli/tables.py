"""Console tables that fit the terminal: when a table would be wider than the console, the
first (label) column wraps its words onto a second line, so labels stay whole and
distinguishable ("Incremental revenue" and "Incremental profit") and numbers never wrap."""

from __future__ import annotations

import itertools
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table

from loyalsim.report.executive import Decision

MIN_LABEL = 10
"""The label column never narrows below this many characters."""


def fitted_table(
    console: Console,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
) -> Table:
    """A borderless table whose first column is left-aligned and the others right-aligned,
    fitted to ``console.width``: only the first column narrows (its labels wrap), and only
    to ``MIN_LABEL``."""
    natural = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    overhead = 3 * len(headers) + 1  # padding on both sides, separators and edges
    spare = console.width - overhead - sum(natural[1:])
    first = max(MIN_LABEL, min(natural[0], spare))
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column(headers[0], width=first, overflow="fold", no_wrap=False)
    for header, width in zip(headers[1:], natural[1:], strict=True):
        table.add_column(header, justify="right", no_wrap=True, width=width)
    for row in _spread_labels(rows, first):
        table.add_row(*row)
    return table


def _spread_labels(rows: Sequence[Sequence[str]], width: int) -> list[list[str]]:
    """Wrap each label to ``width`` and spread its lines over the rows it heads (a row with
    an empty label continues the one above), so a KPI with two designs takes two lines,
    not three; lines left over stay in the group's last row (Rich wraps them there)."""
    out = [list(r) for r in rows]
    starts = [i for i, r in enumerate(out) if r[0]] + [len(out)]
    for start, end in itertools.pairwise(starts):
        lines = textwrap.wrap(out[start][0], width) or [""]
        span = end - start
        head, tail = lines[: span - 1], lines[span - 1 :]
        for k, line in enumerate([*head, " ".join(tail)]):
            out[start + k][0] = line
    return out


def print_decision(console: Console, decision: Decision | None) -> None:
    """The report's Executive summary verdict and paragraph, wrapped to the console."""
    if decision is None:
        return
    console.print(f"[bold]{escape(decision.verdict)}[/]", highlight=False)
    console.print(escape(decision.text), highlight=False)


def print_designs(console: Console, designs: Sequence[Mapping[str, Any]], currency: str) -> None:
    """The recommended designs (merged by trial): name, whether it loses money against
    running no program, its incremental profit with 95% CI and change against the current
    design, and its parameters in plain words."""
    from loyalsim.report.decision import DECISION_KPI, loses_money
    from loyalsim.report.executive import design_profit
    from loyalsim.report.formatting import (
        fmt,
        fmt_diff,
        fmt_interval,
        param_words,
        value_words,
    )

    if not designs:
        return
    console.print(f"[bold]Recommended designs[/] (amounts in {currency}):", highlight=False)
    for d in designs:
        head = escape(f"{d.get('name') or d.get('label', '?')}, trial {d.get('trial', '?')}")
        if d.get("feasible") is False:
            head += " [red](violates a constraint on re-evaluation)[/]"
        if loses_money(design_profit(d)):
            head += " [red](loses money against running no program)[/]"
        console.print(Padding(head, (0, 0, 0, 2), expand=False), highlight=False)
        profit = (d.get("kpis") or {}).get(DECISION_KPI) or {}
        change = ((d.get("vs_current") or {}).get(DECISION_KPI) or {}).get("diff")
        line = f"incremental profit {fmt(profit.get('mean'), DECISION_KPI)}"
        interval = fmt_interval(profit.get("ci_low"), profit.get("ci_high"), DECISION_KPI)
        line += "" if interval == "n/a" else f" (95% CI {interval})"
        line += f"; vs current {fmt_diff(change, DECISION_KPI)}"
        console.print(Padding(escape(line), (0, 0, 0, 4), expand=False), highlight=False)
        params = d.get("params") or {}
        words = "; ".join(f"{param_words(k)} = {value_words(v)}" for k, v in params.items())
        if words:
            console.print(Padding(escape(words), (0, 0, 0, 4), expand=False), highlight=False)
