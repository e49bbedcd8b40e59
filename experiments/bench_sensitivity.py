"""Budget check of issue #13: a Morris screening of the library's "assumption" priors on a
20,000-customer, one-year scenario must finish in under 10 minutes on the 2-core machine.

    python experiments/bench_sensitivity.py [--jobs 2] [--samples 8] [--replications 1]

Runs ``loyalsim sensitivity`` on the shipped coffee scenario (20,000 customers, 52 weeks) and
prints the wall time, the CPU time of the worker processes (what the study costs whatever else
the machine runs: on an otherwise idle 2-core machine the wall time is about CPU / 2), the
number of design points and the load average.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--replications", type=int, default=1)
    args = parser.parse_args()
    scenario = ROOT / "scenarios" / "coffee_punch_card.yaml"
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        load_before = os.getloadavg()[0]
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from loyalsim.cli.app import main; main()",
                "sensitivity",
                str(scenario),
                "--method",
                "morris",
                "--samples",
                str(args.samples),
                "--replications",
                str(args.replications),
                "--jobs",
                str(args.jobs),
                "--out",
                out,
            ],
            check=True,
        )
        seconds = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = usage.ru_utime + usage.ru_stime
        import json

        meta = json.loads((Path(out) / "sensitivity.json").read_text())
    k = len(meta["parameters"])
    print(
        f"Morris: {k} parameters, {args.samples} trajectories, {meta['evaluations']} design points "
        f"x {args.replications} replication(s), 20,000 customers x 365 days, --jobs {args.jobs}: "
        f"{seconds:.0f} s wall, {cpu:.0f} s CPU (load average {load_before:.1f} -> "
        f"{os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
