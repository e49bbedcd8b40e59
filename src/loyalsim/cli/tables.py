"""Console tables that fit the terminal: the first (label) column is truncated with an
ellipsis when the table would be wider than the console, so numbers never wrap."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from loyalsim.report.executive import Decision

MIN_LABEL = 10
"""The label column is never cut below this many characters."""


def fitted_table(
    console: Console,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
) -> Table:
    """A borderless table whose first column is left-aligned and the others right-aligned,
    cut to ``console.width``: only the first column shrinks, and only to ``MIN_LABEL``."""
    natural = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    overhead = 3 * len(headers) + 1  # padding on both sides, separators and edges
    spare = console.width - overhead - sum(natural[1:])
    first = max(MIN_LABEL, min(natural[0], spare))
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column(headers[0], width=first, overflow="ellipsis", no_wrap=True)
    for header, width in zip(headers[1:], natural[1:], strict=True):
        table.add_column(header, justify="right", no_wrap=True, width=width)
    for row in rows:
        table.add_row(*row)
    return table


def print_decision(console: Console, decision: Decision | None) -> None:
    """The report's Executive summary verdict and paragraph, wrapped to the console."""
    if decision is None:
        return
    console.print(f"[bold]{escape(decision.verdict)}[/]", highlight=False)
    console.print(escape(decision.text), highlight=False)
