"""Reading logs, same-day merging, the RFM summary, and the errors for bad logs."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from loyalsim.errors import DataError
from loyalsim.experiments.calibrate.errors import TransactionLogError
from loyalsim.experiments.calibrate.transactions import read_transactions, summarise


def write(tmp_path: Path, text: str, name: str = "log.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_cdnow_summary_matches_published_summary(cdnow_dir: Path, cdnow_summary: pd.DataFrame):
    reference = pd.read_csv(cdnow_dir / "cdnow_customers_summary.csv")
    ours = cdnow_summary.assign(ID=cdnow_summary["customer"].astype(int))
    merged = reference.merge(ours, on="ID", suffixes=("_ref", ""), validate="one_to_one")
    assert len(merged) == len(reference) == len(ours) == 2357
    np.testing.assert_array_equal(merged["frequency"], merged["frequency_ref"])
    for column in ("recency", "T"):  # the reference rounds days / 7 to two decimals
        np.testing.assert_allclose(merged[column], merged[f"{column}_ref"], atol=0.005 + 1e-9)


def test_cdnow_holdout_counts(cdnow_summary: pd.DataFrame):
    assert cdnow_summary["holdout_duration"].iloc[0] == pytest.approx(39.0)
    # customer 0001 bought on 1997-01-01, 01-18, 08-02 (calibration) and 12-12 (holdout)
    first = cdnow_summary.set_index("customer").loc["0001"]
    assert (first["frequency"], first["holdout_frequency"]) == (2, 1)
    assert first["monetary_value"] == pytest.approx((29.73 + 14.96) / 2)


def test_csv_with_header_iso_dates_crlf_and_same_day_merge(tmp_path: Path):
    path = write(
        tmp_path,
        "id,when,value\r\nA,2024-01-01,10\r\nA,2024-01-01,5\r\nA,2024-01-15,7\r\n"
        "B,2024-01-08T09:30:00,3\r\n",
    )
    log = read_transactions(path, customer_col="id", date_col="when", amount_col="value")
    assert log.to_dict("list") == {
        "customer": ["A", "A", "B"],
        "date": [pd.Timestamp(d) for d in ("2024-01-01", "2024-01-15", "2024-01-08")],
        "amount": [15.0, 7.0, 3.0],
    }
    summary = summarise(log, time_unit="day").set_index("customer")
    assert summary.loc["A", ["frequency", "recency", "T", "monetary_value"]].tolist() == [
        1,
        14.0,
        14.0,
        7.0,
    ]
    assert summary.loc["B", "frequency"] == 0 and np.isnan(summary.loc["B", "monetary_value"])
    assert summary.attrs["time_unit"] == "day"


def test_headerless_positions_and_parquet_agree(tmp_path: Path):
    text = " 1 x 20240101 2 10.0\n 1 x 20240108 1 4.5\n 2 y 20240103 1 1.0\n"
    from_text = read_transactions(write(tmp_path, text), customer_col=0, date_col=2, amount_col=4)
    parquet = tmp_path / "log.parquet"
    from_text.to_parquet(parquet)
    from_parquet = read_transactions(parquet)
    pd.testing.assert_frame_equal(from_text, from_parquet)
    assert from_text["amount"].tolist() == [10.0, 4.5, 1.0]


def test_customers_first_seen_after_calibration_end_are_left_out(tmp_path: Path):
    path = write(tmp_path, "customer,date,amount\na,2024-01-01,1\nb,2024-02-01,1\n")
    summary = summarise(read_transactions(path), calibration_end="2024-01-10")
    assert summary["customer"].tolist() == ["a"]
    assert summary["holdout_frequency"].tolist() == [0]


@pytest.mark.parametrize(
    ("text", "options", "fragments"),
    [
        ("customer,date,amount\n", {}, ["no transactions"]),
        ("", {}, ["empty"]),
        ("customer,day,amount\na,2024-01-01,1\n", {}, ["'date' not found", "customer, day"]),
        (
            "customer,date,amount\na,2024-01-01,1\na,2024-13-45,2\n",
            {},
            ["'date'", "'2024-13-45'", "line 3", "YYYYMMDD"],
        ),
        ("customer,date,amount\na,2024-01-01,ten\n", {}, ["'ten'", "line 2", "not a number"]),
        ("a 20240101 1\n", {"customer_col": 0, "date_col": 1, "amount_col": 7}, ["position 7"]),
        ("a 20240101 1\n", {"customer_col": 0, "date_col": 1, "amount_col": "x"}, ["'x'"]),
        ("customer,date,amount\na,2024-01-01,1\nb,2024-01-02,1,9\n", {}, ["same columns"]),
    ],
)
def test_bad_logs_name_file_column_and_rule(tmp_path: Path, text: str, options: dict, fragments):
    path = write(tmp_path, text)
    with pytest.raises(TransactionLogError, match=re.escape(str(path))) as error:
        read_transactions(path, **options)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_errors_give_file_line_numbers_counting_blank_lines(tmp_path: Path):
    path = write(tmp_path, "customer,date,amount\n\na,2024-01-01,1\n\n\nb,2024-01-02,x\n")
    with pytest.raises(TransactionLogError, match="'x' on line 6 is not a number"):
        read_transactions(path)


def test_log_errors_are_data_errors():
    assert issubclass(TransactionLogError, DataError)


def test_missing_file_is_a_log_error(tmp_path: Path):
    with pytest.raises(TransactionLogError, match="no such file"):
        read_transactions(tmp_path / "absent.csv")


def test_unknown_time_unit_is_rejected():
    log = pd.DataFrame({"customer": ["a"], "date": [pd.Timestamp("2024-01-01")], "amount": [1.0]})
    with pytest.raises(ValueError, match="allowed: day, week"):
        summarise(log, time_unit="month")
