"""The report in a real browser: it loads offline without console errors and every image
renders. Skipped where Chromium or chromedriver is missing; CI installs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import available, chromium, full_page_png
from report_fixtures import compare_dir, optimize_dir, real_run, with_tiers

from loyalsim.report import write_report

reason = available()
pytestmark = [pytest.mark.service, pytest.mark.skipif(reason is not None, reason=reason or "")]

IMAGES = """
return Array.from(document.images).map(
    img => [img.alt, img.complete, img.naturalWidth, img.naturalHeight]);
"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("browser")
    run = real_run(root / "run")
    dirs = [
        with_tiers(run, root / "tiers"),
        compare_dir(run, root / "compare"),
        optimize_dir(root / "optimize"),
        run,
    ]
    return [write_report(d) for d in dirs]


def test_reports_render_in_headless_chromium(reports: list[Path]) -> None:
    with chromium() as driver:
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
            png = full_page_png(driver)
            assert png.startswith(b"\x89PNG")
            (report.parent / "screenshot.png").write_bytes(png)
    assert (reports[0].parent / "screenshot.png").stat().st_size > 10_000
