"""Real client logs are messy: each cleaning rule does what docs/calibration.md says, says so in
one note, and leaves what it should not touch alone (metamorphic checks: permuting or
duplicating lines changes nothing)."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import run_cli

from loyalsim.experiments.calibrate.errors import TransactionLogError
from loyalsim.experiments.calibrate.fit import fit_population
from loyalsim.experiments.calibrate.transactions import read_transactions, summarise

HEADER = "customer,date,amount\n"


def write(tmp_path: Path, text: str | bytes, name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def notes(log: pd.DataFrame) -> str:
    return "\n".join(log.attrs["cleaning"])


def synthetic_lines(customers: int = 60, seed: int = 5) -> list[str]:
    """Several purchases per customer at varied amounts, over a year."""
    rng = np.random.default_rng(seed)
    lines = []
    for c in range(customers):
        for _ in range(int(rng.integers(1, 8))):
            day = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 365)))
            lines.append(f"c{c},{day.date()},{rng.gamma(3.0, 4.0):.2f}\n")
    return lines


def test_a_clean_log_gets_no_notes(tmp_path: Path) -> None:
    lines = sorted(synthetic_lines(), key=lambda line: line.split(",")[1])
    log = read_transactions(write(tmp_path, HEADER + "".join(lines)))
    assert log.attrs["cleaning"] == []


def test_zero_value_orders_count_as_purchases_but_not_as_spend(tmp_path: Path) -> None:
    text = HEADER + (
        "a,2024-01-01,10\na,2024-01-08,0\na,2024-01-15,20\n"  # one free repeat order
        "b,2024-01-01,5\nb,2024-01-09,0\n"  # only free repeat orders
    )
    log = read_transactions(write(tmp_path, text))
    assert "2 zero-value line(s)" in notes(log)
    summary = summarise(log, time_unit="week").set_index("customer")
    assert summary.loc["a", "frequency"] == 2 and summary.loc["b", "frequency"] == 1
    assert summary.loc["a", "spend_frequency"] == 1 and summary.loc["a", "monetary_value"] == 20
    assert summary.loc["b", "spend_frequency"] == 0 and np.isnan(summary.loc["b", "monetary_value"])


def test_a_log_with_free_orders_calibrates(tmp_path: Path) -> None:
    """The issue's case: zero-value orders made the whole fit fail."""
    lines = synthetic_lines(200)
    lines += [f"c{c},2023-12-30,0\n" for c in range(0, 200, 7)]
    summary = summarise(read_transactions(write(tmp_path, HEADER + "".join(lines))))
    fitted = fit_population(summary)
    with_zeros = summary[summary["spend_frequency"] < summary["frequency"]]
    assert len(with_zeros) > 0 and fitted.spend.params.gamma > 0


def test_refunds_are_netted_or_dropped_and_never_purchase_occasions(tmp_path: Path) -> None:
    text = HEADER + "a,2024-01-01,10\na,2024-01-05,30\na,2024-01-09,-10\nb,2024-01-02,8\n"
    path = write(tmp_path, text)
    netted = read_transactions(path)
    assert "1 negative amount(s) (refunds totalling 10.00, the first on line 4) netted" in notes(
        netted
    )
    a = netted[netted["customer"] == "a"]
    assert list(a["amount"]) == pytest.approx([7.5, 22.5])  # 40 bought, 10 refunded: x 0.75
    assert float(netted.loc[netted["customer"] == "b", "amount"].iloc[0]) == 8
    dropped = read_transactions(path, refunds="drop")
    assert "dropped" in notes(dropped)
    assert list(dropped.loc[dropped["customer"] == "a", "amount"]) == [10, 30]


def test_a_fully_refunded_customer_stays_in_the_purchase_model(tmp_path: Path) -> None:
    text = HEADER + "a,2024-01-01,10\na,2024-01-05,10\na,2024-01-09,-25\n"
    log = read_transactions(write(tmp_path, text))
    assert list(log["amount"]) == [0, 0] and len(log) == 2


def test_duplicating_every_line_changes_nothing_but_is_noted(tmp_path: Path) -> None:
    lines = synthetic_lines()
    once = read_transactions(write(tmp_path, HEADER + "".join(lines), "once.csv"))
    twice = read_transactions(write(tmp_path, HEADER + "".join(lines + lines), "twice.csv"))
    pd.testing.assert_frame_equal(once, twice)
    assert f"{len(lines)} exact duplicate line(s) dropped (the first on line {len(lines) + 2})" in (
        notes(twice)
    )
    kept = read_transactions(tmp_path / "twice.csv", keep_duplicates=True)
    assert kept["amount"].sum() == pytest.approx(2 * once["amount"].sum())


def test_same_day_lines_that_differ_in_another_column_are_not_duplicates(tmp_path: Path) -> None:
    text = "order,customer,date,amount\n1,a,2024-01-01,5\n2,a,2024-01-01,5\n"
    log = read_transactions(write(tmp_path, text))
    assert log.attrs["cleaning"] == [] and float(log["amount"].iloc[0]) == 10


def test_permuting_lines_changes_nothing_but_is_noted(tmp_path: Path) -> None:
    lines = sorted(synthetic_lines(), key=lambda line: line.split(",")[1])
    shuffled = lines[:]
    random.Random(3).shuffle(shuffled)
    ordered = read_transactions(write(tmp_path, HEADER + "".join(lines), "a.csv"))
    permuted = read_transactions(write(tmp_path, HEADER + "".join(shuffled), "b.csv"))
    pd.testing.assert_frame_equal(ordered, permuted)
    assert "not in date order" in notes(permuted) and "not in date order" not in notes(ordered)


def test_mixed_time_zones_are_converted_to_utc_days(tmp_path: Path) -> None:
    text = HEADER + (
        "a,2024-01-01T23:30:00-05:00,1\n"  # 04:30 UTC on 2 January
        "b,2024-01-01T01:00:00+05:00,1\n"  # 20:00 UTC on 31 December
        "c,2024-01-01T12:00:00Z,1\n"
        "d,2024-01-01,1\n"
    )
    log = read_transactions(write(tmp_path, text)).set_index("customer")
    assert log.loc["a", "date"] == pd.Timestamp("2024-01-02")
    assert log.loc["b", "date"] == pd.Timestamp("2023-12-31")
    assert log.loc["c", "date"] == log.loc["d", "date"] == pd.Timestamp("2024-01-01")
    assert "3 date(s) carry a UTC offset" in notes(log.reset_index())


@pytest.mark.parametrize("bad", ["9999-12-31", "1500-01-01", "1899-12-31", "2024-02-30"])
def test_out_of_range_dates_are_refused_with_the_line(tmp_path: Path, bad: str) -> None:
    path = write(tmp_path, HEADER + f"a,2024-01-01,1\n\nb,{bad},2\n")
    with pytest.raises(TransactionLogError, match=f"'{bad}' on line 4") as error:
        read_transactions(path)
    assert "1900-01-01 to 2200-12-31" in str(error.value)


def test_latin1_ids_stay_distinct(tmp_path: Path) -> None:
    text = (HEADER + "Müller,2024-01-01,1\nMöller,2024-01-02,2\n").encode("latin-1")
    log = read_transactions(write(tmp_path, text))
    assert sorted(log["customer"]) == ["Möller", "Müller"]
    assert "not valid UTF-8" in notes(log) and "Latin-1" in notes(log)


def test_hostile_files_are_clear_errors(tmp_path: Path) -> None:
    good = write(tmp_path, HEADER + "a,2024-01-01,1\n")
    with pytest.raises(TransactionLogError, match="--sep ''"):
        read_transactions(good, sep="")
    with pytest.raises(TransactionLogError, match="not a readable Parquet file"):
        read_transactions(write(tmp_path, b"PAR1" + b"\x00garbage" * 10, "fake.parquet"))
    frame = pd.DataFrame({"customer": ["a"], "date": [pd.Timestamp("2024-01-01")], "amount": [1.0]})
    frame.to_parquet(tmp_path / "ok.parquet")
    data = (tmp_path / "ok.parquet").read_bytes()
    with pytest.raises(TransactionLogError, match="not a readable Parquet file"):
        read_transactions(write(tmp_path, data[: len(data) // 2], "cut.parquet"))
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    with pytest.raises(TransactionLogError, match="not a regular file"):
        read_transactions(fifo)
    with pytest.raises(TransactionLogError, match="not a number"):
        read_transactions(write(tmp_path, HEADER + "a,2024-01-01,1e308\n", "huge.csv"))


def test_parquet_with_time_zones_and_refunds(tmp_path: Path) -> None:
    stamps = pd.to_datetime(["2024-01-01T23:30:00-05:00", "2024-01-03T10:00:00-05:00"], utc=True)
    frame = pd.DataFrame({"customer": ["a", "a"], "date": stamps, "amount": [10.0, -5.0]})
    frame.to_parquet(tmp_path / "log.parquet")
    log = read_transactions(tmp_path / "log.parquet")
    assert list(log["date"]) == [pd.Timestamp("2024-01-02")] and list(log["amount"]) == [5.0]
    assert "row 2" in notes(log)


def test_cli_prints_one_warning_per_rule_and_records_them(tmp_path: Path) -> None:
    lines = synthetic_lines(150)
    lines += [lines[0], "c1,2023-12-31,0\n", "c2,2023-12-30,-3\n"]
    log = write(tmp_path, HEADER + "".join(lines))
    out = tmp_path / "cal" / "population.yaml"
    done = run_cli("calibrate", str(log), "--out", str(out), "--time-unit", "day")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    joined = "\n".join(warnings)
    for rule in ("exact duplicate", "not in date order", "negative amount", "zero-value"):
        assert joined.count(rule) == 1, done.stderr
    record = json.loads((out.parent / "calibration.json").read_text())
    assert len(record["data"]["cleaning"]) == len(warnings) == 4
    assert record["settings"]["refunds"] == "net"
