"""Peak memory and time of ``loyalsim calibrate`` on a large synthetic transaction log.

Usage: python experiments/bench_calibrate_memory.py [ROWS] [--keep DIR]

Writes a CSV of ROWS purchase lines (default 5,000,000: 500,000 customers, ISO dates over two
years, amounts with cents, 1% zero-value lines, 0.5% refunds, 0.1% exact duplicates, lines in
customer order, so not in date order), then measures in fresh processes (peak RSS from
``getrusage`` of the child):

1. reading and summarising the log (``read_transactions`` + ``summarise``) and fitting BG/NBD
   and Gamma-Gamma to it (``fit_population``), and
2. with ``--whole``, the whole command (holdout simulation with 2 replications of every
   customer, outputs; slow: the simulation dominates).

The target (issue 16) is 5 million rows within 4 GB; results are in docs/calibration.md.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

READ_AND_FIT = """
import sys, time
from loyalsim.experiments.calibrate.fit import fit_population
from loyalsim.experiments.calibrate.transactions import read_transactions, summarise
begin = time.perf_counter()
log = read_transactions(sys.argv[1])
summary = summarise(log, calibration_end=sys.argv[2])
read = time.perf_counter() - begin
fit_population(summary)
print(f"{len(log)} transactions, {len(summary)} customers, {len(log.attrs['cleaning'])} notes; "
      f"read + summarise {read:.0f} s")
"""


def write_log(path: Path, rows: int, seed: int = 1) -> str:
    """Write the synthetic log; return the calibration end (the middle of the period)."""
    rng = np.random.default_rng(seed)
    customers = max(rows // 10, 1)
    ids = np.sort(rng.integers(0, customers, rows))
    start = np.datetime64("2022-01-01")
    days = rng.integers(0, 730, rows)
    amounts = np.round(rng.gamma(3.0, 8.0, rows), 2)
    amounts[rng.random(rows) < 0.01] = 0.0
    refunds = rng.random(rows) < 0.005
    amounts[refunds] = -np.round(amounts[refunds] / 2, 2)
    frame = pd.DataFrame(
        {
            "customer": np.char.add("C", ids.astype(str)),
            "date": (start + days.astype("timedelta64[D]")).astype(str),
            "amount": amounts,
        }
    )
    duplicated = frame.sample(frac=0.001, random_state=seed)
    frame = pd.concat([frame, duplicated]).sort_values("customer", kind="stable")
    frame.to_csv(path, index=False, chunksize=500_000)
    return str(start + np.timedelta64(365, "D"))


def measure(args: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of a fresh Python process."""
    begin = time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - begin
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}):\n{done.stderr[-3000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kb / 1024, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=5_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="folder for the log and outputs")
    parser.add_argument("--whole", action="store_true", help="also run the whole command")
    options = parser.parse_args()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="loyalsim-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "log.csv"
    begin = time.perf_counter()
    end = write_log(log, options.rows)
    size_mb = log.stat().st_size / 2**20
    print(f"wrote {options.rows:,} rows ({size_mb:.0f} MB) in {time.perf_counter() - begin:.0f} s")
    seconds, peak, out = measure(["-c", READ_AND_FIT, str(log), end])
    print(f"read + summarise + fit: {seconds:.0f} s, peak RSS {peak:,.0f} MB ({out})")
    if options.whole:
        cli = "from loyalsim.cli.app import main; main()"
        out = str(folder / "cal")
        command = ["-c", cli, "calibrate", str(log), "--calibration-end", end]
        command += ["--replications", "2", "--out", out]
        seconds, peak, _ = measure(command)
        # RUSAGE_CHILDREN reports the largest child so far, so this is the larger of the two runs
        print(f"whole calibrate command: {seconds:.0f} s, peak RSS {peak:,.0f} MB")


if __name__ == "__main__":
    main()
