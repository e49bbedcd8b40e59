"""Cost of recording transactions (``loyalsim run --transactions``) on one replication.

Usage: python experiments/bench_recorder.py [SCENARIO] [--size N] [--rounds K]

Runs replication 1 of the scenario (default scenarios/coffee_app.yaml on 20,000 customers, its
own horizon) K times (default 3) with no observer, with an idle observer and with a
``TransactionRecorder``, alternating, and prints the median wall times, their ratios, the rows
recorded, and the time to turn the record into a ``ProgramHistory`` and to write it as Parquet.
Results are in docs/calibration.md.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from loyalsim.engine.recorder import TransactionRecorder
from loyalsim.experiments.response.simulated import Recorded, history_from_record
from loyalsim.experiments.simulate import clear_control_cache, run_replication
from loyalsim.outputs.history_files import write_simulated
from loyalsim.scenario.loader import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "coffee_app.yaml"))
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    scenario = with_overrides(load_scenario(args.scenario), {"population.size": args.size})
    run_replication(scenario, scenario.seed, 0)  # warm up (Numba compilation)
    bare, plain, recorded = [], [], []
    recorder = TransactionRecorder()
    for _ in range(args.rounds):
        clear_control_cache()
        start = time.perf_counter()
        run_replication(scenario, scenario.seed, 0)
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        run_replication(scenario, scenario.seed, 0, [TransactionRecorder(arms=())])
        plain.append(time.perf_counter() - start)  # same arms as recorded: control not cached
        start = time.perf_counter()
        recorder = TransactionRecorder()
        run_replication(scenario, scenario.seed, 0, [recorder])
        recorded.append(time.perf_counter() - start)
    a, b = statistics.median(plain), statistics.median(recorded)
    c = statistics.median(bare)
    record = recorder.records["program"]
    start = time.perf_counter()
    history_from_record(record)
    convert = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        both = Recorded(record, recorder.records["control"], scenario.seed, 0)
        write_simulated(both, Path(folder), "parquet", 0.5)
        write = time.perf_counter() - start
    print(f"{scenario.name}: {args.size:,} customers, {scenario.horizon.total_days} days")
    print(f"no observer {c:.2f} s, an idle observer {a:.2f} s, the recorder {b:.2f} s")
    print(f"ratio recorder / idle {b / a:.3f}, recorder / none {b / c:.3f} (medians)")
    print(f"{record.row.size:,} program visits, {record.event_row.size:,} points events")
    print(f"to a ProgramHistory {convert:.2f} s; all files as Parquet with a pilot {write:.2f} s")


if __name__ == "__main__":
    main()
