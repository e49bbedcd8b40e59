"""The report in a real browser: it loads offline without console errors and every image
renders. Skipped where Chromium or chromedriver is missing; CI installs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser import available, chromium, full_page_png
from report_fixtures import (
    ROOT,
    compare_dir,
    optimize_dir,
    real_run,
    three_objectives,
    with_tiers,
)
from support import run_cli

from loyalsim.report import write_report

reason = available()
pytestmark = [pytest.mark.service, pytest.mark.skipif(reason is not None, reason=reason or "")]

IMAGES = """
return Array.from(document.images).map(
    img => [img.alt, img.complete, img.naturalWidth, img.naturalHeight]);
"""


SECTIONS = """
return Array.from(document.querySelectorAll('main section')).map(
    s => [s.id, s.scrollWidth, s.clientWidth]);
"""

DECISION_SECTIONS = {
    "summary",
    "kpis",
    "segments",
    "comparison",
    "recommendation",
    "tiers",
    "years",
}
"""Sections whose tables must fit a 1100-px page without scrolling sideways."""

ROWS = """
return Array.from(document.querySelectorAll(arguments[0])).map(
    tr => Array.from(tr.cells).map(c => c.textContent));
"""


def calibrated(directory: Path) -> Path:
    """What ``loyalsim calibrate`` writes for the shipped example log (report.html included;
    run in this process)."""
    log = ROOT / "examples" / "transactions_example.csv"
    done = run_cli(
        "calibrate", str(log), "--calibration-end", "2020-09-29", "--out",
        str(directory / "pop.yaml"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return directory


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("browser")
    run = real_run(root / "run")
    opt = optimize_dir(root / "optimize")
    dirs = [
        with_tiers(run, root / "tiers"),
        compare_dir(run, root / "compare"),
        opt,
        three_objectives(opt, root / "optimize3"),
        run,
        real_run(root / "years", **{"horizon": {"years": 5}, "population.size": 300}),
    ]
    return [write_report(d) for d in dirs] + [calibrated(root / "calibrate") / "report.html"]


def _by_id(reports: list[Path], name: str) -> Path:
    return next(r for r in reports if r.parent.name == name)


def test_reports_render_in_headless_chromium(reports: list[Path]) -> None:
    with chromium(width=1100) as driver:
        for report in reports:
            driver.get(report.as_uri())
            assert driver.execute_script("return document.readyState") == "complete"
            images = driver.execute_script(IMAGES)
            assert images, f"{report}: no images"
            broken = [alt for alt, done, w, h in images if not (done and w > 0 and h > 0)]
            assert not broken, f"{report}: images that did not render: {broken}"
            errors = [e for e in driver.get_log("browser") if e["level"] in {"SEVERE", "ERROR"}]
            assert not errors, f"{report}: console errors {errors}"
            assert driver.find_element("css selector", "h1").text
            first = driver.find_element("css selector", "main section:first-of-type")
            assert first.get_attribute("id") == "summary"
            assert first.find_element("css selector", "h2").text == "Executive summary"
            verdict = first.find_element("css selector", "p.verdict").text
            assert verdict.startswith(("Verdict:", "Recommendation:")), verdict
            nav = driver.find_element("css selector", "nav a:first-child")
            assert nav.text == "Executive summary" and nav.is_displayed()
            if report.parent.name != "calibrate":  # the materiality rule is stated
                assert "0.5 pp" in first.text and "Benjamini-Hochberg" in first.text
            wide = [
                i
                for i, scroll, client in driver.execute_script(SECTIONS)
                if scroll > client and i in DECISION_SECTIONS
            ]
            assert not wide, f"{report}: sections wider than the page: {wide}"
            png = full_page_png(driver)
            assert png.startswith(b"\x89PNG")
            (report.parent / "screenshot.png").write_bytes(png)
    assert (reports[0].parent / "screenshot.png").stat().st_size > 10_000


def test_new_sections_show_their_numbers(reports: list[Path]) -> None:
    """Segments in the run and compare reports, tier migration rows summing to 100%, the
    optimize scatter matrix for three objectives with money-losing designs flagged, and the
    calibration report's fit and holdout."""
    with chromium(width=1100) as driver:
        run = _by_id(reports, "run")
        driver.get(run.as_uri())
        summary = json.loads((run.parent / "summary.json").read_text())
        rows = driver.execute_script(ROWS, "#segments tbody tr")
        names = [r[0] for r in rows]
        assert all(n in names for n in summary["segments"]), names
        assert "engaged customers" in names and "passive customers" in names
        headers = driver.find_element("css selector", "#segments thead").text
        assert "Incremental revenue" in headers and "Enrolment rate" in headers

        driver.get(_by_id(reports, "tiers").as_uri())
        migration = driver.execute_script(ROWS, "#tiers table:nth-of-type(2) tbody tr")
        assert migration
        for row in migration:
            shares = [float(m) for m in re.findall(r"([\d.]+)%", " ".join(row[1:]))]
            assert all(0.0 <= v <= 100.0 for v in shares) and abs(sum(shares) - 100.0) < 0.2

        driver.get(_by_id(reports, "compare").as_uri())
        caption = driver.find_element("css selector", "#segments caption").text
        assert caption == "Incremental revenue"
        cells = driver.execute_script(ROWS, "#segments tbody tr")
        assert ["commuters", "900 USD", "+400 USD (+300 – +500 USD)"] in cells
        assert any(r[0] == "members in Gold at the horizon" for r in cells)

        for name, views in (("optimize", "the two objectives"), ("optimize3", "each pair")):
            driver.get(_by_id(reports, name).as_uri())
            alts = [a for a, *_ in driver.execute_script(IMAGES)]
            assert any(views in a for a in alts), alts
            flagged = [
                h.text
                for h in driver.find_elements("css selector", "#recommendation h3")
                if "loses money against running no program" in h.text
            ]
            assert len(flagged) == 2, flagged  # both recommended designs lose money
            assert any("and best for retention" in h for h in flagged)  # duplicates merged

        driver.get(_by_id(reports, "calibrate").as_uri())
        ids = [i for i, *_ in driver.execute_script(SECTIONS)]
        assert ids[0] == "summary" and {"parameters", "holdout"} <= set(ids)
        holdout = driver.find_element("css selector", "#holdout").text
        assert "%" in holdout and driver.find_element("css selector", "#holdout img")


TABLE_FIT = """
return Array.from(document.querySelectorAll(arguments[0])).map(t => {
    const box = t.closest('section');
    return [t.scrollWidth, box.clientWidth, t.getBoundingClientRect().right,
            box.getBoundingClientRect().right];
});
"""


def test_the_years_table_of_a_five_year_run_fits_the_page(reports: list[Path]) -> None:
    """Five years, every yearly KPI: the table fits a 1100-px window inside its section (no
    sideways scrolling, nothing cut off)."""
    with chromium(width=1100) as driver:
        driver.get(_by_id(reports, "years").as_uri())
        rows = driver.execute_script(ROWS, "#years table tbody tr")
        header = driver.execute_script(ROWS, "#years table thead tr")[0]
        assert (
            len(header) == 6 and header[1].startswith("Year 1") and header[5].startswith("Year 5")
        )
        assert any(r[0] == "Liability at year end (USD)" for r in rows)
        assert all(len(r) == 6 for r in rows)
        (fit,) = driver.execute_script(TABLE_FIT, "#years table")
        width, room, right, box_right = fit
        assert width <= room and right <= box_right, fit
        text = driver.find_element("css selector", "#years").text
        assert "Net present value of incremental profit" in text
