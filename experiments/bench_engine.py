"""Engine benchmark: customer-days per second, peak memory, and a per-customer SimPy baseline.

Run: ``python experiments/bench_engine.py`` (about 2-4 minutes on 2 cores). Each vectorised
measurement runs in a fresh process so that its peak memory (ru_maxrss) is its own. The
baseline implements the same daily rules (goal-gradient visit lift, gamma spend, enrolment,
stamps, redemption, dropout on the base purchase clock, inactivity expiry) as one SimPy
process per customer with scalar Python arithmetic, the way a textbook agent-based model
would; it is measured in the same run, so the printed ratio is robust to machine noise.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "coffee_punch_card.yaml"
DAYS = 365


def vectorised(size: int) -> dict[str, float]:
    """Program arm of the coffee scenario (full behaviour model) for ``size`` customers."""
    from loyalsim.engine.population import Population
    from loyalsim.engine.rng import generator
    from loyalsim.experiments.simulate import run_arm
    from loyalsim.scenario.loader import load_scenario, with_overrides

    scenario = with_overrides(
        load_scenario(SCENARIO), {"population.size": size, "horizon": {"days": DAYS}}
    )
    population = Population.build(scenario.population, generator(0, 0, "population"))
    start = time.perf_counter()
    arm = run_arm(scenario, population, 0, 0, {}, with_program=True)
    seconds = time.perf_counter() - start
    arm.world.ledger.check_identity()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "customers": size,
        "seconds": seconds,
        "customer_days_per_s": size * DAYS / seconds,
        "peak_rss_mb": peak_mb,
    }


def simpy_per_customer(size: int, seed: int = 0) -> dict[str, float]:
    """The same rules with one SimPy process per customer (the baseline)."""
    import numpy as np
    import simpy

    from loyalsim.engine.population import Population
    from loyalsim.engine.rng import generator
    from loyalsim.scenario.loader import load_scenario, with_overrides

    scenario = with_overrides(load_scenario(SCENARIO), {"population.size": size})
    pop = Population.build(scenario.population, generator(seed, 0, "population"))
    b = scenario.behaviour
    goal, carry0 = 9, b.reset_carry
    decay = 2 ** (-1 / b.reset_half_life_days)
    mean_rate = float(np.mean(pop.rate))
    env = simpy.Environment()
    rng = random.Random(seed)
    totals = {"visits": 0, "points": 0}

    def customer(i: int):
        rate, p_drop = float(pop.rate[i]), float(pop.dropout[i])
        shape, scale = float(pop.spend_shape[i]), 1.0 / float(pop.spend_rate[i])
        headroom = 1.0 / (1.0 + (rate / (b.light_buyer_ref * mean_rate)) ** 2)
        dilution = 1.0 / (1.0 + b.rival_dilution * float(pop.traits["rival_memberships"][i]))
        response = headroom * float(pop.traits["reward_sensitivity"][i]) * dilution
        engaged = bool(pop.engaged[i])
        propensity = float(pop.traits["enrol_propensity"][i])
        member, balance, carry, last_activity = False, 0, 0.0, 0
        while True:
            day = int(env.now)
            carry *= decay
            lift = 0.0
            if member:
                pull = max(min(balance / goal, 1.0), carry) if engaged else 0.0
                lift = response * (b.membership_lift + b.goal_gradient * pull)
            clock = -math.log1p(-rng.random())
            if clock < rate * (1.0 + lift):
                totals["visits"] += 1
                spend = rng.gammavariate(shape, scale)
                if not member and rng.random() < propensity:
                    member, balance = True, balance + 1
                if member and spend >= 2.0:
                    balance += 1
                    last_activity = day
                    totals["points"] += 1
                chance = b.engaged_redeem_prob if engaged else b.passive_redeem_prob
                if member and balance >= goal and rng.random() < chance:
                    balance -= goal
                    carry = carry0
            if clock < rate and rng.random() < p_drop:
                return
            if member and day - last_activity >= 90:
                balance = 0
            yield env.timeout(1)

    for i in range(size):
        env.process(customer(i))
    start = time.perf_counter()
    env.run(until=DAYS)
    seconds = time.perf_counter() - start
    return {
        "customers": size,
        "seconds": seconds,
        "customer_days_per_s": size * DAYS / seconds,
        "visits": totals["visits"],
    }


def in_subprocess(kind: str, size: int) -> dict[str, float]:
    """Run one measurement in a fresh interpreter and return its JSON result."""
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, str(size)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def best_of(kind: str, size: int, repeats: int) -> dict[str, float]:
    """The fastest of ``repeats`` fresh-process runs (the least disturbed by other load)."""
    runs = [in_subprocess(kind, size) for _ in range(repeats)]
    return min(runs, key=lambda r: r["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--one", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--baseline-size", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (best kept)")
    args = parser.parse_args()
    if args.one:
        kind, size = args.one[0], int(args.one[1])
        run = vectorised if kind == "vectorised" else simpy_per_customer
        print(json.dumps(run(size)))
        return
    rows = []
    for size in args.sizes:
        # Interleave baseline and engine so both see the same machine load.
        baseline = best_of("simpy", args.baseline_size, args.repeats)
        r = best_of("vectorised", size, args.repeats)
        ratio = r["customer_days_per_s"] / baseline["customer_days_per_s"]
        rows.append({**r, "baseline": baseline, "speedup_vs_simpy": ratio})
        print(
            f"{size:>9,} customers x {DAYS} days: {r['seconds']:5.1f} s,"
            f" {r['customer_days_per_s'] / 1e6:5.1f} M customer-days/s,"
            f" peak RSS {r['peak_rss_mb']:4.0f} MB;"
            f" SimPy per customer ({baseline['customers']:,}):"
            f" {baseline['customer_days_per_s'] / 1e6:.3f} M/s; speed-up {ratio:.0f}x"
        )
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
