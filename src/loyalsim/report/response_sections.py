"""Report sections of a response calibration (``response_calibration.json`` and
``moments_fit.png`` from ``loyalsim calibrate-response``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loyalsim.report.executive import Decision
from loyalsim.report.formatting import missing
from loyalsim.report.html import Section, esc, para, table
from loyalsim.report.sections import details, figure_html

WELL_FIT = 2.0
"""Mean squared z-score of the moments at the estimate below which the model fits well."""


def _g(value: Any) -> str:
    return "n/a" if missing(value) else f"{float(value):.3g}"


def response_decision(record: Mapping[str, Any]) -> Decision:
    """What the data pinned down, and whether the model reproduces the moments."""
    ident = record.get("identifiability", {})
    pinned, loose = ident.get("pinned", []), ident.get("not_pinned", [])
    obj = record.get("objective", {})
    used = max(int(obj.get("moments_used") or 1), 1)
    mean_z2 = float(obj.get("end") or 0.0) / used
    if not pinned:
        verdict = "Verdict: the data pinned down none of the response parameters."
    elif mean_z2 > WELL_FIT:
        verdict = (
            f"Verdict: {len(pinned)} parameter(s) pinned down, but the model misses some "
            "moments: use with care."
        )
    else:
        verdict = f"Verdict: {len(pinned)} of {len(pinned) + len(loose)} parameters pinned down."
    estimates = {p["name"]: p for p in record.get("params", [])}
    said = "; ".join(
        f"{n} {_g(estimates[n]['estimate'])} ({_g(estimates[n]['interval95'][0])}–"
        f"{_g(estimates[n]['interval95'][1])})"
        for n in pinned
    )
    text = f"Calibrated on {record.get('customers', '?')} customers of {record.get('data', '?')}"
    text += f" up to {record.get('calibration_end', '?')}. "
    text += f"Pinned (95% interval): {said}. " if said else ""
    if loose:
        text += f"Not pinned down, so they keep their library priors: {', '.join(loose)}. "
    for pair in ident.get("confounded", []):
        text += (
            f"{pair['a']} and {pair['b']} are confounded (correlation {pair['correlation']:+.2f}). "
        )
    text += f"Mean squared z-score of the {used} moments at the estimate: {mean_z2:.2f}."
    note = (
        "Pinned: posterior standard deviation below half the library prior's; a well-fitting "
        f"model has a mean squared z-score near 1 (we flag above {WELL_FIT:g}). The "
        "calibrated priors are in behaviour.yaml and calibrated_scenario.yaml."
    )
    return Decision(verdict, text.strip(), note)


def response_sections(record: Mapping[str, Any], directory: Path) -> list[Section]:
    rows = []
    for p in record.get("params", []):
        lo, hi = p["interval95"]
        plo, phi = p["prior_interval95"]
        rows.append(
            (
                p["name"],
                _g(p["start"]),
                _g(p["estimate"]),
                f"{_g(lo)} – {_g(hi)}",
                f"{_g(plo)} – {_g(phi)}",
                _g(p["width_ratio"]),
                "yes" if p["pinned"] else ("at a bound" if p["at_bound"] else "no"),
            )
        )
    params = Section(
        "response-parameters",
        "Response parameters",
        table(
            (
                "Parameter",
                "Start",
                "Estimate",
                "95% interval",
                "Prior 95%",
                "Width ratio",
                "Pinned",
            ),
            rows,
            "Simulated method of moments; sandwich standard errors",
        )
        + para(
            "Width ratio: posterior over prior standard deviation on the search scale (log "
            "for effects, logit for probabilities).",
            "note",
        ),
    )
    parts = []
    png = directory / "moments_fit.png"
    if png.is_file():
        parts.append(figure_html(png, "Observed against simulated moments"))
    mrows = [
        (
            m["name"],
            esc(m["label"]),
            _g(m["observed"]),
            _g(m["observed_se"]),
            _g(m["simulated"]),
            _g(m["z"]),
            "yes" if m["used"] else "no",
        )
        for m in record.get("moments", [])
    ]
    parts.append(
        details(
            "moments (table)",
            table(("Moment", "Definition", "Observed", "SE", "Simulated", "z", "Used"), mrows),
        )
    )
    fit = Section("response-moments", "Fit: observed against simulated moments", "\n".join(parts))
    out = [params, fit]
    holdout = record.get("holdout")
    if holdout:
        hrows = [
            (k, _g(v["observed"]), _g(v["predicted"]), _g(v["error"]), v["error_kind"])
            for k, v in holdout.items()
        ]
        out.append(
            Section(
                "response-holdout",
                "Holdout check",
                table(
                    ("Quantity", "Observed", "Predicted", "Error", "Error kind"),
                    hrows,
                    "After the calibration end: per customer seen before it",
                ),
            )
        )
    b = record.get("budget", {})
    out.append(
        Section(
            "response-budget",
            "Search budget",
            para(
                f"{b.get('evaluations')} evaluations of {b.get('simulations_per_evaluation')} "
                f"simulation(s) in {_g(b.get('seconds'))} s ({b.get('stopped')})."
            ),
        )
    )
    return out
