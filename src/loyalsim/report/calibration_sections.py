"""Report sections of a calibration (``calibration.json`` and ``holdout.png`` from
``loyalsim calibrate``): a verdict on the fit, the data, the parameters with standard errors,
the holdout figure and its errors, and the population written."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from loyalsim.report.executive import Decision
from loyalsim.report.formatting import fmt_count, fmt_share, missing
from loyalsim.report.html import Section, esc, para, table
from loyalsim.report.sections import details, figure_html

GOOD_ERROR = 0.10
"""A holdout forecast within 10% of the actual repeat transactions fits well."""
USABLE_ERROR = 0.25
"""Within 25% it is usable with care; beyond, the population should not be relied on."""


def _num(value: Any, digits: int = 4) -> str:
    return "n/a" if missing(value) else f"{float(value):.{digits}f}"


def _pct(value: Any) -> str:
    return "n/a" if missing(value) else f"{100 * float(value):+.1f}%"


def calibration_decision(record: Mapping[str, Any]) -> Decision:
    """Whether the fitted population reproduces the holdout period."""
    data = record.get("data", {})
    converged = bool(record.get("converged"))
    segments = len(record.get("purchase", {}).get("segments", []))
    fit = (
        f"Fitted {segments} BG/NBD segment(s) and a Gamma-Gamma spend model to "
        f"{fmt_count(data.get('customers'))} customers ({data.get('first_date', '?')} to "
        f"{data.get('calibration_end', '?')})."
    )
    if not converged:
        fit += (
            " The fit did not converge cleanly (an estimate at a bound or undefined standard "
            "errors): try fewer segments or more data."
        )
    holdout = record.get("holdout")
    if holdout is None:
        verdict = "Verdict: not validated: no holdout period was given."
        text = fit + " Run again with --calibration-end to check the forecast on later data."
    else:
        e = holdout.get("errors", {})
        error = e.get("simulated_holdout_error")
        size = abs(float(error)) if not missing(error) else float("inf")
        if size <= GOOD_ERROR and converged:
            verdict = "Verdict: the fitted population reproduces the holdout period well."
        elif size <= USABLE_ERROR:
            verdict = "Verdict: usable with care: the holdout forecast is off by more than 10%."
        else:
            verdict = "Verdict: do not rely on this population: it misses the holdout period."
        text = fit + (
            f" Over the holdout period the simulation forecasts "
            f"{fmt_count(e.get('simulated_holdout'))} repeat transactions against "
            f"{fmt_count(e.get('actual_holdout'))} actual ({_pct(error)}); the BG/NBD "
            f"formula forecasts {fmt_count(e.get('analytic_holdout'))} "
            f"({_pct(e.get('analytic_holdout_error'))})."
        )
    note = (
        f"A holdout error within {100 * GOOD_ERROR:.0f}% reads as a good fit, within "
        f"{100 * USABLE_ERROR:.0f}% as usable with care. Traits a transaction log cannot reveal "
        "(reward sensitivity, engaged share, ...) keep their documented defaults."
    )
    return Decision(verdict, text, note)


def calibration_sections(record: Mapping[str, Any], directory: Path) -> list[Section]:
    out = [_data(record), _parameters(record)]
    holdout = _holdout(record, directory)
    if holdout is not None:
        out.append(holdout)
    population = record.get("population")
    if isinstance(population, dict):
        text = yaml.safe_dump({"population": population}, sort_keys=False)
        out.append(
            Section(
                "population",
                "Population written",
                para("The population section written beside this report:")
                + details("population (YAML)", f"<pre>{esc(text)}</pre>"),
            )
        )
    return out


def _data(record: Mapping[str, Any]) -> Section:
    data = record.get("data", {})
    settings = record.get("settings", {})
    rows = [
        ("Transaction log", str(settings.get("log", "?"))),
        ("First and last date", f"{data.get('first_date', '?')} to {data.get('last_date', '?')}"),
        ("End of the calibration period", str(data.get("calibration_end", "?"))),
        ("Customers", fmt_count(data.get("customers"))),
        ("Purchase days in the log", fmt_count(data.get("purchase_days_in_log"))),
        (
            "Repeat transactions (calibration)",
            fmt_count(data.get("repeat_transactions_calibration")),
        ),
        ("Customers with a repeat", fmt_count(data.get("customers_with_repeat"))),
        ("Mean repeat value", _num(data.get("mean_repeat_value"), 2)),
        ("Time unit of the fit", str(data.get("time_unit", "?"))),
    ]
    return Section("data", "Data", table(("Item", "Value"), rows))


def _parameters(record: Mapping[str, Any]) -> Section:
    purchase = record.get("purchase", {})
    rows = []
    for seg in purchase.get("segments", []):
        p, se = seg.get("params", {}), seg.get("standard_errors", {})
        cells = [f"{_num(seg.get('share'))} ({_num(seg.get('share_standard_error'))})"]
        cells += [f"{_num(p.get(n))} ({_num(se.get(n))})" for n in ("r", "alpha", "a", "b")]
        rows.append((str(seg.get("name", "?")), *cells))
    parts = [
        table(
            ("Segment", "share", "r", "alpha", "a", "b"),
            rows,
            "BG/NBD purchase and dropout: estimate (standard error)",
        ),
        para(f"Purchase log-likelihood {_num(purchase.get('loglik'), 2)}.", "note"),
    ]
    spend = record.get("spend", {})
    p, se = spend.get("params", {}), spend.get("standard_errors", {})
    parts.append(
        table(
            ("Model", "p", "q", "gamma"),
            [
                (
                    f"Gamma-Gamma spend ({fmt_count(spend.get('customers'))} customers)",
                    *(f"{_num(p.get(n))} ({_num(se.get(n))})" for n in ("p", "q", "gamma")),
                )
            ],
            "Spend per transaction: estimate (standard error)",
        )
    )
    converged = "yes" if record.get("converged") else "no: treat the estimates with care"
    parts.append(para(f"Converged: {converged}.", "note"))
    return Section("parameters", "Fitted parameters", "\n".join(parts))


def _holdout(record: Mapping[str, Any], directory: Path) -> Section | None:
    holdout = record.get("holdout")
    if holdout is None:
        return None
    e = holdout.get("errors", {})
    parts = []
    png = directory / "holdout.png"
    if png.is_file():
        parts.append(figure_html(png, "Cumulative repeat transactions: actual and forecasts"))
    rows = [
        (
            name,
            fmt_count(e.get(f"{key}_end")),
            _pct(e.get(f"{key}_end_error")),
            fmt_count(e.get(f"{key}_holdout")),
            _pct(e.get(f"{key}_holdout_error")),
            fmt_share(e.get(f"{key}_weekly_mape")),
        )
        for name, key in (("Simulation (engine)", "simulated"), ("BG/NBD formula", "analytic"))
    ]
    rows.insert(
        0,
        ("Actual", fmt_count(e.get("actual_end")), "", fmt_count(e.get("actual_holdout")), "", ""),
    )
    headers = (
        "Forecast",
        "Cumulative at the end",
        "Error",
        "Holdout period",
        "Error",
        "Weekly MAPE",
    )
    parts.append(table(headers, rows, "Repeat transactions: actual against forecasts"))
    parts.append(
        para(
            f"The simulation averages {holdout.get('replications', '?')} replications; the "
            "weekly MAPE is the mean absolute relative error of the cumulative curve over the "
            "holdout weeks.",
            "note",
        )
    )
    return Section("holdout", "Holdout check", "\n".join(parts))
