"""Reading program histories and pilots: the messy-data rules do what docs/calibration.md says,
and a bad file gives one ``error:`` line naming file, column, line and what is allowed, exit 2,
through the CLI in a subprocess."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from support import cli, run_cli

from loyalsim.experiments.calibrate.errors import TransactionLogError
from loyalsim.experiments.response.history import read_history, read_pilot

HISTORY = (
    "customer,date,amount,points_earned,points_redeemed,reward\n"
    "a,2024-01-02,10.5,10,0,\n"
    "b,2024-01-03,20,20,0,\n"
    "a,2024-01-09,4,4,100,coffee\n"
    "a,2024-01-09,6,6,0,\n"  # same day: merged with the line above
    "b,2024-01-10,0,0,50,cake\n"  # a basket the reward paid in full: still a visit
)
MEMBERS = "customer,enrolled,balance\na,2024-01-01,14\nb,,0\nc,2023-12-01,7\n"
PILOT_LOG = "customer,date,amount\na,2024-01-02,5\nb,2024-01-03,6\nx,2024-01-04,7\n"
ASSIGNMENT = (
    "customer,group,start\na,treated,2024-01-01\nb,Control ,2024-01-01\nz,treated,2024-01-01\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_history_is_read_merged_by_day_with_members(tmp_path: Path) -> None:
    history = read_history(write(tmp_path, "t.csv", HISTORY), write(tmp_path, "m.csv", MEMBERS))
    t = history.transactions.set_index(["customer", "date"])
    day = t.loc[("a", pd.Timestamp("2024-01-09"))]
    assert (day["amount"], day["points_earned"], day["points_redeemed"]) == (10.0, 10, 100)
    assert day["reward"] == "coffee" and len(t) == 4
    assert t.loc[("b", pd.Timestamp("2024-01-10")), "amount"] == 0.0
    m = history.members.set_index("customer")
    assert pd.isna(m.loc["b", "enrolled"]) and m.loc["c", "balance"] == 7  # c never bought
    assert (history.start, history.end) == (pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-10"))
    assert any("zero-value" in n for n in history.notes)


def test_without_members_enrolment_is_the_first_points_transaction(tmp_path: Path) -> None:
    text = HISTORY.replace("b,2024-01-03,20,20,0,", "b,2024-01-03,20,0,0,")
    history = read_history(write(tmp_path, "t.csv", text))
    enrolled = history.members.set_index("customer")["enrolled"]
    assert enrolled["a"] == pd.Timestamp("2024-01-02")
    assert enrolled["b"] == pd.Timestamp("2024-01-10")
    assert any("no members file" in n for n in history.notes)


def test_duplicates_window_and_unknown_members(tmp_path: Path) -> None:
    text = HISTORY + "a,2024-01-02,10.5,10,0,\n" + "d,2025-06-01,3,3,0,\n"
    history = read_history(
        write(tmp_path, "t.csv", text), write(tmp_path, "m.csv", MEMBERS), end="2024-12-31"
    )
    notes = "\n".join(history.notes)
    assert "1 exact duplicate line(s) dropped" in notes
    assert "1 transaction line(s) outside the observation window" in notes
    assert "d" not in set(history.transactions["customer"])
    assert history.transactions["amount"].sum() == 40.5


def test_a_pilot_keeps_assigned_customers_and_notes_the_rest(tmp_path: Path) -> None:
    pilot = read_pilot(write(tmp_path, "l.csv", PILOT_LOG), write(tmp_path, "a.csv", ASSIGNMENT))
    assert list(pilot.transactions["customer"]) == ["a", "b"]
    assert dict(zip(pilot.assignment["customer"], pilot.assignment["group"], strict=True)) == {
        "a": "treated",
        "b": "control",
        "z": "treated",
    }
    notes = "\n".join(pilot.notes)
    assert "1 customer(s) of the log are not in the assignment" in notes
    assert "1 assigned customer(s) have no transactions" in notes
    assert not pilot.by_store


def test_a_store_level_pilot(tmp_path: Path) -> None:
    log = "customer,date,amount,store\na,2024-01-02,5,s1\nb,2024-01-03,6,s2\n"
    assignment = "store,group,start\ns1,treated,2024-01-01\ns2,control,2024-01-01\n"
    pilot = read_pilot(write(tmp_path, "l.csv", log), write(tmp_path, "a.csv", assignment))
    assert pilot.by_store and list(pilot.transactions["store"]) == ["s1", "s2"]
    with pytest.raises(TransactionLogError, match="column 'store' not found"):
        read_pilot(write(tmp_path, "l2.csv", PILOT_LOG), tmp_path / "a.csv")


BAD = [
    (
        "unknown group",
        ["--pilot", "a.csv"],
        {"h.csv": PILOT_LOG, "a.csv": ASSIGNMENT.replace("Control ", "placebo")},
        ["a.csv", "'group'", "line 3", "allowed: treated, control"],
    ),
    (
        "only one group",
        ["--pilot", "a.csv"],
        {"h.csv": PILOT_LOG, "a.csv": "customer,group,start\na,treated,2024-01-01\n"},
        ["a.csv", "no control customers", "allowed: a pilot with both"],
    ),
    (
        "no assigned customer in the log",
        ["--pilot", "a.csv"],
        {"h.csv": PILOT_LOG, "a.csv": "customer,group,start\nq,treated,2024\nr,control,2024\n"},
        ["a.csv", "none of its 2 customers is in the log", "allowed: the same customer ids"],
    ),
    (
        "missing column",
        [],
        {"h.csv": HISTORY.replace("points_earned", "earned")},
        ["h.csv", "column 'points_earned' not found", "allowed: customer, date"],
    ),
    (
        "negative points on a purchase",
        [],
        {"h.csv": HISTORY.replace("b,2024-01-03,20,20", "b,2024-01-03,20,-20")},
        ["h.csv", "'points_earned'", "line 3", "allowed: whole numbers >= 0"],
    ),
    (
        "fractional points",
        [],
        {"h.csv": HISTORY.replace("b,2024-01-03,20,20", "b,2024-01-03,20,2.5")},
        ["h.csv", "'points_earned'", "'2.5' on line 3", "allowed: whole numbers"],
    ),
    (
        "bad enrolment date",
        ["--members", "m.csv"],
        {"h.csv": HISTORY, "m.csv": MEMBERS.replace("2023-12-01", "yesterday")},
        ["m.csv", "'enrolled'", "line 4", "allowed: YYYY-MM-DD"],
    ),
    (
        "member listed twice",
        ["--members", "m.csv"],
        {"h.csv": HISTORY, "m.csv": MEMBERS + "a,2024-02-01,0\n"},
        ["m.csv", "'a' is listed on line 2", "line 5", "allowed: one line per customer"],
    ),
    (
        "no such members file",
        ["--members", "nope.csv"],
        {"h.csv": HISTORY},
        ["nope.csv", "no such file"],
    ),
]


@pytest.mark.parametrize(("case", "args", "files", "said"), BAD, ids=[b[0] for b in BAD])
def test_bad_files_give_one_error_line_and_exit_2(
    tmp_path: Path, case: str, args: list[str], files: dict[str, str], said: list[str]
) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    done = run_cli("check-data", str(tmp_path / "h.csv"), *[  # in process: the messages
        str(tmp_path / a) if a.endswith(".csv") else a for a in args
    ])  # fmt: skip
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    message = " ".join(done.stderr.split())
    for part in said:
        assert part in message, (part, done.stderr)


def test_check_data_summarises_a_good_history(tmp_path: Path) -> None:
    done = cli(
        "check-data", str(write(tmp_path, "h.csv", HISTORY)),
        "--members", str(write(tmp_path, "m.csv", MEMBERS)),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "4 transactions of 2 customers, 2024-01-02 to 2024-01-10" in done.stdout
    assert "warning:" in done.stderr  # the zero-value visit
