"""Findings that need mechanics still being built (issue 3): marked, not faked.

Each becomes one more small module like ``f05_breakage.py`` once its mechanic exists: build
the scenario variants, run them with :func:`loyalsim.compare` or the recorder, and return
an :class:`~experiments.fidelity.harness.Outcome` with its band check.
"""

from __future__ import annotations

from experiments.fidelity.harness import Finding, Outcome, Scale, pending

PENDING = (
    (
        Finding(
            4,
            "f04_demotion",
            "Demotion asymmetry",
            "Wagner, Hennig-Thurau & Rudolph (2009), J. Marketing 73(3)",
            "Demoted members end below never-promoted members.",
            "attachment / spend of demoted < never promoted",
        ),
        "tiers (status levels with demotion)",
    ),
    (
        Finding(
            6,
            "f06_transaction_splitting",
            "Transaction splitting",
            "Starbucks Rewards change (2016)",
            "Visit-based earning invites transaction splitting; spend-based earning removes "
            "it and changes the reward rate of low-ticket customers.",
            "split transactions > 0 under visit earning, ~0 under spend earning",
        ),
        "transaction splitting",
    ),
    (
        Finding(
            8,
            "f08_surprise",
            "Surprise vs expected reward",
            "Wu, Mattila & Hanks (2015)",
            "At equal cost a surprise lifts retention more, most among low-satisfaction customers.",
            "retention lift per dollar: surprise > expected reward",
        ),
        "surprise rewards",
    ),
    (
        Finding(
            9,
            "f09_referral",
            "Referral",
            "Schmitt, Skiera & Van den Bulte (2011), J. Marketing 75(1)",
            "Referred customers defect about 18% less and are worth at least 16% more.",
            "referred churn 10-25% lower; value >= 16% higher",
        ),
        "referral",
    ),
)


def outcomes(scale: Scale) -> list[Outcome]:
    del scale  # nothing to run yet
    return [pending(finding, mechanic) for finding, mechanic in PENDING]
