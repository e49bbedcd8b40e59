"""Engine benchmark: loyalsim against a bandwidth floor and three peer implementations.

Run: ``python experiments/bench_engine.py`` (about 5-10 minutes on 2 cores). Every
measurement runs in a fresh interpreter (its peak memory, ru_maxrss, is its own) and the
kinds are interleaved, so each printed ratio compares runs made under the same machine load:
read the ratios, not the absolute times. Times are CPU seconds of the measured section
(``time.process_time``; every kind runs on one core), which other processes on the machine
disturb less than wall-clock time.

Kinds (all on the coffee scenario's population, 365 days):

- ``program`` / ``control``: loyalsim's program arm (full behaviour model) and no-program arm.
- ``numpy_loop``: the trivial numpy daily loop over the same arrays (one uniform per customer
  per day compared with the day's rate, visits counted): the memory-bandwidth floor.
- ``numba_customer``: the coffee rules as a compiled per-customer loop (Numba; compilation
  is excluded). The bar to clear.
- ``simpy``: the same rules as one SimPy process per customer (scalar Python).
- ``mesa``: the same rules as Mesa 3 agents stepped daily.

The peer implementations share one rule set (goal-gradient visit lift with partial reset,
gamma spend, enrolment, stamps over $2, redemption, dropout on the base purchase clock,
inactivity expiry) written once in scalar form (:class:`CoffeeCustomer`) and once for Numba.
``--scenarios`` also measures the program arm of every shipped scenario.
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SCENARIO = SCENARIOS / "coffee_punch_card.yaml"
DAYS = 365
GOAL, MIN_SPEND, EXPIRY_DAYS = 9, 2.0, 90


def _scenario(size: int, path: Path = SCENARIO):
    from loyalsim.scenario.loader import load_scenario, with_overrides

    scenario = load_scenario(path)
    overrides: dict[str, Any] = {"population.size": size, "horizon": {"days": DAYS}}
    represents = scenario.population.represents
    if represents is not None and represents < size:  # a sample may not outnumber its base
        overrides["population.represents"] = size
    return with_overrides(scenario, overrides)


def _population(scenario, seed: int = 0):
    from loyalsim.experiments.simulate import build_population

    return build_population(scenario, seed, 0)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def engine(size: int, with_program: bool = True, path: Path = SCENARIO) -> dict[str, Any]:
    """One loyalsim arm of a scenario for ``size`` customers."""
    from loyalsim.experiments.simulate import run_arm

    scenario = _scenario(size, path)
    population = _population(scenario)
    start = time.process_time()
    arm = run_arm(scenario, population, 0, 0, {}, with_program=with_program)
    seconds = time.process_time() - start
    if with_program:
        arm.world.ledger.check_identity()
    visits = float(arm.daily["visits"].sum())
    return {"seconds": seconds, "visits": visits, "peak_rss_mb": _peak_mb()}


def numpy_loop(size: int) -> dict[str, Any]:
    """The floor: per day one uniform per customer against the day's rate, visits counted."""
    import numpy as np

    from loyalsim.engine.behaviour import seasonality

    scenario = _scenario(size)
    rate = _population(scenario).rate
    season = seasonality(scenario.population.seasonality, scenario.start_date, DAYS)
    rng = np.random.default_rng(0)
    u = np.empty(size)
    today = np.empty(size)
    visits = 0
    start = time.process_time()
    for day in range(DAYS):
        rng.random(out=u)
        np.multiply(rate, season[day], out=today)
        visits += int(np.count_nonzero(u < today))
    seconds = time.process_time() - start
    return {"seconds": seconds, "visits": visits, "peak_rss_mb": _peak_mb()}


def _rules(size: int, seed: int = 0) -> dict[str, Any]:
    """Per-customer parameters of the coffee rules, as plain arrays and scalars."""
    import numpy as np

    from loyalsim.engine.behaviour import responsiveness

    scenario = _scenario(size)
    pop = _population(scenario, seed)
    b = scenario.behaviour
    return {
        "rate": pop.rate,
        "dropout": pop.dropout,
        "shape": pop.spend_shape,
        "scale": 1.0 / pop.spend_rate,
        "response": responsiveness(pop, b),
        "engaged": pop.engaged,
        "propensity": pop.traits["enrol_propensity"],
        "lift": float(b.membership_lift),
        "gradient": float(b.goal_gradient),
        "carry0": float(b.reset_carry),
        "decay": float(2 ** (-1 / b.reset_half_life_days)),
        "redeem": np.array([b.passive_redeem_prob, b.engaged_redeem_prob]),
    }


class CoffeeCustomer:
    """One customer under the coffee rules, in scalar Python (the SimPy and Mesa peers)."""

    def __init__(self, i: int, rules: dict[str, Any], rng: random.Random) -> None:
        self.rate, self.p_drop = float(rules["rate"][i]), float(rules["dropout"][i])
        self.shape, self.scale = float(rules["shape"][i]), float(rules["scale"][i])
        self.response = float(rules["response"][i])
        self.engaged = bool(rules["engaged"][i])
        self.propensity = float(rules["propensity"][i])
        self.redeem = float(rules["redeem"][int(self.engaged)])
        self.r = rules
        self.rng = rng
        self.member, self.balance, self.carry, self.last_activity = False, 0, 0.0, 0
        self.visits = 0

    def day(self, day: int) -> bool:
        """Live one day; False when the customer defects."""
        r, rng = self.r, self.rng
        self.carry *= r["decay"]
        lift = 0.0
        if self.member:
            pull = max(min(self.balance / GOAL, 1.0), self.carry) if self.engaged else 0.0
            lift = self.response * (r["lift"] + r["gradient"] * pull)
        clock = -math.log1p(-rng.random())
        if clock < self.rate * (1.0 + lift):
            self.visits += 1
            spend = rng.gammavariate(self.shape, self.scale)
            if not self.member and rng.random() < self.propensity:
                self.member, self.balance = True, self.balance + 1
            if self.member and spend >= MIN_SPEND:
                self.balance += 1
                self.last_activity = day
            if self.member and self.balance >= GOAL and rng.random() < self.redeem:
                self.balance -= GOAL
                self.carry = r["carry0"]
        if clock < self.rate and rng.random() < self.p_drop:
            return False
        if self.member and day - self.last_activity >= EXPIRY_DAYS:
            self.balance = 0
        return True


def simpy_customer(size: int) -> dict[str, Any]:
    """The coffee rules as one SimPy process per customer."""
    import simpy

    rules, rng = _rules(size), random.Random(0)
    env = simpy.Environment()
    customers = [CoffeeCustomer(i, rules, rng) for i in range(size)]

    def live(c: CoffeeCustomer):
        while c.day(int(env.now)):
            yield env.timeout(1)

    for c in customers:
        env.process(live(c))
    start = time.process_time()
    env.run(until=DAYS)
    seconds = time.process_time() - start
    return {"seconds": seconds, "visits": sum(c.visits for c in customers)}


def mesa_agents(size: int) -> dict[str, Any]:
    """The coffee rules as Mesa 3 agents, all stepped once a day."""
    import mesa

    rules = _rules(size)

    class Agent(mesa.Agent):
        def __init__(self, model: mesa.Model, i: int) -> None:
            super().__init__(model)
            self.customer = CoffeeCustomer(i, rules, model.random)

        def step(self) -> None:
            if not self.customer.day(self.model.today):
                self.model.visits += self.customer.visits
                self.remove()

    class Coffee(mesa.Model):
        def __init__(self) -> None:
            super().__init__(seed=0)
            self.today, self.visits = 0, 0
            for i in range(size):
                Agent(self, i)

        def step(self) -> None:
            self.agents.do("step")
            self.today += 1

    model = Coffee()
    start = time.process_time()
    for _ in range(DAYS):
        model.step()
    seconds = time.process_time() - start
    visits = model.visits + sum(a.customer.visits for a in model.agents)
    return {"seconds": seconds, "visits": visits}


def _numba_kernel():
    import numba

    @numba.njit
    def run(rate, p_drop, shape, scale, response, engaged, propensity, lift0, gradient, carry0,
            decay, redeem, days, seed):  # fmt: skip
        random.seed(seed)
        visits = 0
        for i in range(rate.size):
            member, balance, carry, last_activity = False, 0, 0.0, 0
            chance = redeem[1] if engaged[i] else redeem[0]
            for day in range(days):
                carry *= decay
                lift = 0.0
                if member:
                    pull = 0.0
                    if engaged[i]:
                        pull = max(min(balance / GOAL, 1.0), carry)
                    lift = response[i] * (lift0 + gradient * pull)
                clock = -math.log1p(-random.random())
                if clock < rate[i] * (1.0 + lift):
                    visits += 1
                    spend = random.gammavariate(shape[i], scale[i])
                    if not member and random.random() < propensity[i]:
                        member = True
                        balance += 1
                    if member and spend >= MIN_SPEND:
                        balance += 1
                        last_activity = day
                    if member and balance >= GOAL and random.random() < chance:
                        balance -= GOAL
                        carry = carry0
                if clock < rate[i] and random.random() < p_drop[i]:
                    break
                if member and day - last_activity >= EXPIRY_DAYS:
                    balance = 0
        return visits

    return run


def numba_customer(size: int) -> dict[str, Any]:
    """The coffee rules as a compiled per-customer loop (compilation not timed)."""
    rules = _rules(size)
    run = _numba_kernel()
    args = [rules[k] for k in ("rate", "dropout", "shape", "scale", "response", "engaged")]
    args += [rules["propensity"], rules["lift"], rules["gradient"], rules["carry0"]]
    args += [rules["decay"], rules["redeem"]]
    run(*[a[:10] if hasattr(a, "shape") and a.shape == (size,) else a for a in args], DAYS, 0)
    start = time.process_time()
    visits = run(*args, DAYS, 0)
    seconds = time.process_time() - start
    return {"seconds": seconds, "visits": visits, "peak_rss_mb": _peak_mb()}


KINDS = {
    "program": lambda n: engine(n, True),
    "control": lambda n: engine(n, False),
    "numpy_loop": numpy_loop,
    "numba_customer": numba_customer,
    "simpy": simpy_customer,
    "mesa": mesa_agents,
}


class MeasurementFailed(Exception):
    """A kind's fresh interpreter exited with an error (e.g. its peer library is missing)."""


_INSTALL_HINTS = {
    "ModuleNotFoundError: No module named 'mesa'": "pip install -e '.[bench]' for the Mesa peer",
}


def measure(kind: str, size: int) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return its result."""
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, str(size)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["(no error output)"])[-1]
        hint = next((h for k, h in _INSTALL_HINTS.items() if k in last), "")
        raise MeasurementFailed(f"{kind}: {last}" + (f" ({hint})" if hint else ""))
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result.update(kind=kind, customers=size, customer_days_per_s=size * DAYS / result["seconds"])
    return result


def best_of(kind: str, size: int, repeats: int) -> dict[str, Any]:
    """The fastest of ``repeats`` fresh-process runs (the least disturbed by other load)."""
    return min((measure(kind, size) for _ in range(repeats)), key=lambda r: r["seconds"])


def _line(r: dict[str, Any], ref: dict[str, Any] | None = None) -> str:
    text = (
        f"{r['kind']:<15} {r['customers']:>9,} x {DAYS}: {r['seconds']:7.2f} CPU s"
        f" {r['customer_days_per_s'] / 1e6:7.2f} M customer-days per CPU s"
    )
    if "peak_rss_mb" in r:
        text += f"  peak RSS {r['peak_rss_mb']:5.0f} MB"
    if ref is not None:
        text += f"  loyalsim program = {ref['customer_days_per_s'] / r['customer_days_per_s']:.2f}x"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--one", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=1_000_000, help="customers for the engine")
    parser.add_argument("--peer-size", type=int, default=10_000, help="customers for SimPy, Mesa")
    parser.add_argument("--repeats", type=int, default=2, help="runs per measurement (best kept)")
    parser.add_argument(
        "--kinds", nargs="+", default=list(KINDS), choices=list(KINDS), help="what to measure"
    )
    parser.add_argument("--scenarios", action="store_true", help="every shipped scenario too")
    args = parser.parse_args()
    if args.one:
        kind, size = args.one[0], int(args.one[1])
        if kind.startswith("scenario:"):
            print(json.dumps(engine(size, True, SCENARIOS / kind.split(":", 1)[1])))
        else:
            print(json.dumps(KINDS[kind](size)))
        return
    rows = []
    for kind in args.kinds:
        size = args.peer_size if kind in ("simpy", "mesa") else args.size
        try:
            rows.append(best_of(kind, size, args.repeats))
        except MeasurementFailed as failure:
            print(f"skipped {failure}", file=sys.stderr, flush=True)
            continue
        print(_line(rows[-1]), flush=True)
    program = next((r for r in rows if r["kind"] == "program"), None)
    if program is not None:
        print("\nratios (loyalsim program arm's customer-days/s over each):")
        for r in rows:
            print(_line(r, program))
    if args.scenarios:
        print("\nshipped scenarios, program arm (ratio to coffee_punch_card):")
        found = [best_of(f"scenario:{p.name}", args.size, args.repeats) for p in _shipped()]
        coffee = next(r for r in found if r["kind"] == "scenario:coffee_punch_card.yaml")
        for r in found:
            ratio = r["customer_days_per_s"] / coffee["customer_days_per_s"]
            print(f"{_line(r)}  {ratio:.2f}x coffee")
        rows += found
    print(json.dumps(rows, indent=2))


def _shipped() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))


if __name__ == "__main__":
    main()
