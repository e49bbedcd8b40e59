"""loyalsim report: content, self-containment, escaping, compare/optimize sections, errors."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import support
import yaml
from report_fixtures import COFFEE, compare_dir, optimize_dir, real_run, with_tiers

from loyalsim.errors import LoyalsimError
from loyalsim.report import write_report
from loyalsim.report.narrative import Effect, effect_phrase, paired_interval, tradeoff
from loyalsim.scenario.loader import load_scenario

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return real_run(tmp_path_factory.mktemp("report") / "run")


@pytest.fixture(scope="module")
def run_report(run_dir: Path) -> str:
    return write_report(run_dir).read_text(encoding="utf-8")


def images(html: str) -> list[bytes]:
    sources = re.findall(r'<img src="([^"]*)"', html)
    assert all(s.startswith("data:image/png;base64,") for s in sources), sources
    return [base64.b64decode(s.split(",", 1)[1]) for s in sources]


def first_section(html: str) -> str:
    """The text of the report's first section, which must be the Executive summary."""
    match = re.search(r"<section id=\"(\w+)\"><h2>(.*?)</h2>(.*?)</section>", html, re.S)
    assert match is not None and match.group(2) == "Executive summary"
    return re.sub(r"<[^>]+>", " ", match.group(3))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return support.cli(*args, cwd=None)  # in the test's own folder


def test_run_report_is_self_contained(run_report: str, run_dir: Path) -> None:
    assert "<script" not in run_report.lower()
    assert not re.search(r"(src|href)=\"(https?:)?//", run_report), "no network references"
    pngs = images(run_report)
    assert len(pngs) == 3 and all(p.startswith(PNG) for p in pngs)
    # the embedded figures are exactly the PNG files beside the report
    saved = {p.read_bytes() for p in run_dir.glob("*.png")}
    assert set(pngs) <= saved
    assert {"kpi_trends.png", "points_flows.png", "report_breakage.png"} <= {
        p.name for p in run_dir.glob("*.png")
    }


def test_run_report_content(run_report: str, run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    scenario = load_scenario(run_dir / "scenario.yaml")
    text = re.sub(r"<[^>]+>", " ", run_report)
    for needle in (
        scenario.name,
        "Customers simulated",
        "600",
        "commuters",
        "occasionals",
        "tourists",
        "56 days (8 weeks)",
        "Root seed",
        "Members earn 1 stamp(s) per visit of at least 2.",
        "All points lapse after 90 days without earning or redeeming.",
        "Rewards: free drink for 9 points",
        "Weekly trends",
        "Points flows and liability",
        "Breakage: good and bad",
    ):
        assert needle in text, needle
    assert "Tiers" not in text  # the coffee card has no tiers
    kpis, ci = summary["kpis"], summary["kpis_ci95"]
    retention = f"{100 * kpis['retention_rate']:.2f}%"
    interval = f"{100 * ci['retention_rate'][0]:.2f}% – {100 * ci['retention_rate'][1]:.2f}%"
    assert retention in text and interval in text
    assert f"{kpis['points_issued']:,.0f}" in text
    assert f"{100 * kpis['breakage_rate']:.1f}% of the points issued" in text


def test_headline_difference_is_paired_over_replications(run_report: str, run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    reps = summary["kpis_per_replication"]
    diff = paired_interval(reps["revenue"], reps["control_revenue"])
    assert diff is not None
    assert diff.diff == pytest.approx(summary["kpis"]["incremental_revenue"], rel=1e-9)
    assert diff.lo == pytest.approx(summary["kpis_ci95"]["incremental_revenue"][0], rel=1e-9)
    assert f"{diff.diff:+,.0f} {summary['currency']}" in run_report


def test_report_is_deterministic(run_dir: Path, run_report: str, tmp_path: Path) -> None:
    copy = shutil.copytree(run_dir, tmp_path / "copy")
    for png in copy.glob("*.png"):
        png.unlink()
    again = write_report(copy).read_text(encoding="utf-8")
    assert again == run_report


def test_text_from_inputs_is_escaped(run_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(run_dir, tmp_path / "evil")
    data = yaml.safe_load((copy / "scenario.yaml").read_text())
    evil = "<script>alert('x')</script> & <b>bold</b>"
    data["description"] = evil
    (copy / "scenario.yaml").write_text(yaml.safe_dump(data))
    html = write_report(copy).read_text()
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html


def test_tier_mix_and_migration_when_tiers_exist(run_dir: Path, tmp_path: Path) -> None:
    tiered = with_tiers(run_dir, tmp_path / "tiers")
    html = write_report(tiered).read_text()
    assert "Tiers: mix and migration" in html
    assert "<td>gold</td><td>25.0%</td>" in html
    row = "<td>from gold</td><td>20.0% (4)</td><td>70.0% (14)</td><td>10.0% (2)</td>"
    assert row in html
    assert "rows sum to 100%" in html
    migration = re.search(r"<caption>Tier migration.*?</table>", html, re.S).group(0)
    shares = [float(v) for v in re.findall(r"<td>([0-9.]+)%", migration)]
    assert shares and all(0.0 <= v <= 100.0 for v in shares)
    assert (tiered / "report_tier_mix.png").read_bytes().startswith(PNG)
    assert (tiered / "report_tier_migration.png").read_bytes().startswith(PNG)
    assert len(images(html)) == 5


def test_compare_report(run_dir: Path, tmp_path: Path) -> None:
    directory = compare_dir(run_dir, tmp_path / "cmp")
    html = write_report(directory).read_text()
    assert "Comparison of designs" in html and "Designs compared" in html
    assert "program.rewards.catalogue[0].points = 7" in html
    # table: the base mean and the variant's paired difference with its interval
    assert "+1.20 pp (+0.80 – +1.60 pp) p=0.010" in html
    # one paragraph per variant, generated from the numbers
    finding = re.search(r"<h3>richer</h3><p class=\"finding\">(.*?)</p>", html).group(1)
    assert finding.startswith("Compared with the base design &#x27;current&#x27;, design")
    assert "raises retention by 1.20 pp (95% CI +0.80 pp to +1.60 pp)" in finding
    assert "leaves incremental profit without a clear change (-300 USD" in finding
    assert "lowers breakage by 2.00 pp" in finding
    assert "better retention and incremental revenue at the price of worse program cost" in finding
    assert (directory / "report_effects.png").read_bytes().startswith(PNG)
    assert "Base design &#x27;current&#x27; against no program" in html
    assert all(p.startswith(PNG) for p in images(html))


def test_optimize_report(tmp_path: Path) -> None:
    directory = optimize_dir(tmp_path / "opt")
    html = write_report(directory).read_text()
    assert "Optimisation of the program design: Coffee chain punch card" in html
    assert "12 trials (11 complete, 1 fail), 10 feasible, 6 on the Pareto front." in html
    assert "Constraints: liability &lt;= 2000." in html
    assert (directory / "report_pareto.png").read_bytes().startswith(PNG)
    # the knee is also best for retention: one entry, both reasons, flagged as losing money
    title = "Design &#x27;balanced (knee) and best for retention&#x27; (trial 5) — loses money"
    assert html.count("(trial 5)") == 1
    knee = re.search(re.escape(title) + r".*?</h3>(.*?)</p>", html, re.S).group(1)
    assert "<td>Expiry: days</td><td>110</td><td>program.expiry.days</td>" in knee
    assert "raises retention by 1.20 pp (95% CI +0.80 pp to +1.60 pp)" in knee
    assert "raises cost to revenue by 0.90 pp (95% CI +0.70 pp to +1.60 pp)" not in knee
    assert "raises cost to revenue by 0.90 pp (95% CI +0.70 pp to +1.10 pp)" in knee
    assert "The trade-off: better retention at the price of worse cost to revenue and" in knee
    assert "Against running no program: retention +1.40 pp, revenue +2,500." in knee
    best = re.search(
        r"best for cost to revenue.*?</table>\s*<p class=\"finding\">(.*?)</p>", html, re.S
    )
    assert "lowers retention by 0.60 pp" in best.group(1)
    summary = first_section(html)
    assert "every recommended design loses money against running no program" in summary
    assert "ranges from -1,100 to -500" in summary


def test_cli_report_and_run_call_it(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = support.run_cli(  # in process; the bad-directory test below runs a real one
        "run", str(COFFEE), "--out", str(out), "--replications", "1",
        "--set", "population.size=300", "--set", "horizon={weeks: 4}",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "report.html" in done.stdout
    first = (out / "report.html").read_bytes()
    assert b"no interval: a single replication" in first
    (out / "report.html").unlink()
    done = support.run_cli("report", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "report.html").read_bytes() == first


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "no such directory"),
        (lambda d: d.write_text("x"), "not a directory"),
        (lambda d: d.mkdir(), "no results to report on"),
        (lambda d: (d.mkdir(), (d / "summary.json").write_text("{oops")), "not readable JSON"),
        (
            lambda d: (d.mkdir(), (d / "summary.json").write_text('{"kpis": {}}')),
            "'kpis_ci95' missing",
        ),
        (
            lambda d: (d.mkdir(), (d / "comparison.csv").write_text("variant,kpi\na,b\n")),
            "missing column(s) mean",
        ),
    ],
)
def test_bad_directory_is_a_clear_error(tmp_path: Path, setup, message: str) -> None:
    target = tmp_path / "target"
    setup(target)
    with pytest.raises(LoyalsimError, match=re.escape(message)):
        write_report(target)
    assert not (target / "report.html").exists() if target.is_dir() else True


def test_cli_bad_directory_exits_2_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text("[1, 2]")
    done = cli("report", str(tmp_path))
    assert done.returncode == 2
    assert "expected a JSON object" in done.stderr and "Traceback" not in done.stderr
    done = cli("report", str(tmp_path / "nowhere"))
    assert done.returncode == 2 and "no such directory" in done.stderr


def test_effect_phrases_and_tradeoff() -> None:
    clear = Effect("retention_rate", 0.012, 0.008, 0.016)
    assert effect_phrase(clear, "USD") == (
        "raises retention by 1.20 pp (95% CI +0.80 pp to +1.60 pp)"
    )
    unclear = Effect("incremental_profit", -300.0, -900.0, 250.0)
    assert effect_phrase(unclear, "EUR") == (
        "leaves incremental profit without a clear change (-300 EUR, 95% CI -900 EUR to +250 EUR)"
    )
    cost = Effect("program_cost", 1200.0, 1100.0, 1300.0)
    text = tradeoff("design 'a'", "the current design", [clear, unclear, cost], "USD")
    assert text.endswith("The trade-off: better retention at the price of worse program cost.")
    # a declared objective direction overrides the default judgement
    text = tradeoff("x", "y", [cost], "USD", {"program_cost": "maximize"})
    assert text.endswith("It is better on program cost with no clear loss on the KPIs shown.")
    same = Effect("program_cost", 0.0, 0.0, 0.0)  # common random numbers, no effect at all
    assert effect_phrase(same, "USD") == "leaves program cost exactly unchanged"
    none = tradeoff("x", "y", [unclear], "USD")
    assert "more replications would be needed" in none


def test_paired_interval_matches_student_t() -> None:
    e = paired_interval([3.0, 5.0, 7.0], [1.0, 2.0, 3.0])
    # differences 2, 3, 4: mean 3, sd 1, t(0.975, 2) = 4.302653
    assert e.diff == pytest.approx(3.0)
    assert e.hi - e.diff == pytest.approx(4.302653 / 3**0.5, rel=1e-6)
    assert paired_interval([None, 1.0], [0.0, 0.5]).lo is None
    assert paired_interval([], []) is None


def test_run_summary_verdict_follows_the_profit_interval(run_report: str, run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    lo, hi = summary["kpis_ci95"]["incremental_profit"]
    text = first_section(run_report)
    if hi < 0 and -hi > 0.01 * summary["kpis"]["revenue"]:
        assert "do not launch this design as it stands: it loses money" in text
    elif lo > 0:
        assert "the program pays for itself" in text
    else:
        assert "not proven" in text or "no material effect" in text
    assert "Benjamini-Hochberg" in text and "0.5 pp" in text


def test_compare_summary_keeps_the_base_and_says_nothing_beats_no_program(
    run_dir: Path, tmp_path: Path
) -> None:
    html = write_report(compare_dir(run_dir, tmp_path / "cmp")).read_text()
    text = first_section(html)
    assert "Recommendation: keep the base design &#x27;current&#x27;." in text
    assert "Nothing compared beats running no program." in text
    assert "none of the designs compared beats running no program" in text


def test_compare_summary_recommends_a_clear_material_gain(run_dir: Path, tmp_path: Path) -> None:
    directory = compare_dir(run_dir, tmp_path / "cmp")
    table = pd.read_csv(directory / "comparison.csv")
    profit = (table["variant"] == "richer") & (table["kpi"] == "incremental_profit")
    table.loc[profit, ["diff", "ci_low", "ci_high", "mean"]] = [2400.0, 1800.0, 3000.0, 400.0]
    tiny = (table["variant"] == "richer") & (table["kpi"] == "cost_to_revenue")
    table.loc[tiny, ["diff", "ci_low", "ci_high"]] = [0.00002, 0.00001, 0.00003]
    table.to_csv(directory / "comparison.csv", index=False)
    html = write_report(directory).read_text()
    text = first_section(html)
    assert "Recommendation: switch to design &#x27;richer&#x27;." in text
    assert "raises incremental profit by 2,400 USD" in text and "adjusted p=0.010" in text
    assert "beats running no program" not in text  # the richer design earns +400 vs none
    # a clear but tiny change is not a trade-off
    finding = re.search(r"<h3>richer</h3><p class=\"finding\">(.*?)</p>", html).group(1)
    assert "makes no material change to cost to revenue (+0.00 pp, below the 0.50 pp" in finding


def test_significance_is_adjusted_for_the_number_of_comparisons() -> None:
    from scipy import stats

    from loyalsim.metrics.stats import adjust_p

    p = [0.01, 0.04, 0.03, 0.20, float("nan")]
    q = adjust_p(p)
    assert q[:4] == pytest.approx(list(stats.false_discovery_control(p[:4], method="bh")))
    assert q[1] == pytest.approx(0.04 * 4 / 3) and q[4] != q[4]  # rank 3 of 4; NaN stays
    e = Effect("retention_rate", 0.012, 0.001, 0.023, threshold=0.005, q=0.08)
    assert not e.clear and "once the many KPIs compared are accounted for" in effect_phrase(
        e, "USD"
    )
    assert "adjusted p=0.080" in effect_phrase(e, "USD")


def test_segments_table_when_summary_has_segments(run_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(run_dir, tmp_path / "seg")
    summary = json.loads((copy / "summary.json").read_text())
    summary["segments"] = {
        "commuters": {"retention_rate": 0.61, "incremental_profit": -120.0},
        "tourists": {"retention_rate": 0.2, "incremental_profit": 35.5},
    }
    (copy / "summary.json").write_text(json.dumps(summary))
    html = write_report(copy).read_text()
    assert "Results by segment" in html
    assert "<td>tourists</td><td>20.00%</td><td>36 USD</td>" in html
    real = json.loads((run_dir / "summary.json").read_text())["segments"]
    plain = write_report(run_dir).read_text()
    assert "Results by segment" in plain  # every run now reports its segments
    assert all(f"<td>{name}</td>" in plain for name in real)


def test_tier_migration_with_an_undefined_share_draws(tmp_path: Path) -> None:
    """A short run may review nobody into a tier: its shares are null in summary.json (the
    slow fuzz run found every hotel report failing on float(None))."""
    from loyalsim.report import figures

    matrix = {"Silver": {"Silver": 0.8, "Gold": 0.2}, "Gold": {"Silver": None, "Gold": None}}
    path = figures.tier_migration(matrix, "t", tmp_path / "m.png")
    assert path.stat().st_size > 1000
