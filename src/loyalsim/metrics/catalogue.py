"""The KPI catalogue: every KPI defined once — key, label, unit, better direction, how it
combines — for summary.json, weekly.csv, the console, comparison.csv, the optimiser's
objective checks and the report.

The engine's KPIs are listed here; each mechanic declares its own in ``KPIS`` on its class.
A repeatable mechanic (``singleton = False``) reports each KPI per instance as
``key.<instance>``; additive KPIs also get their total under ``key``. Families end in
``.*`` (``tier_share.*``); :func:`keys_for` expands them from a scenario without
simulating it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from loyalsim.engine.hooks import Kpi, Mechanic
from loyalsim.mechanics import MECHANICS, REGISTRY

if TYPE_CHECKING:
    from loyalsim.scenario.models import Scenario

K = Kpi
CORE: tuple[Kpi, ...] = (
    K("customers", "Customers", "count", additive=True, description="Customers who arrived."),
    K(
        "retention_rate",
        "Retention",
        "share",
        "higher",
        headline=True,
        weekly=True,
        description="Share of arrived customers still alive at the horizon.",
    ),
    K("control_retention_rate", "Retention, no program", "share", headline=True, weekly=True),
    K(
        "incremental_retention",
        "Incremental retention",
        "share",
        "higher",
        description="Retention minus the control's, per arrived customer.",
    ),
    K("members", "Members (ever enrolled)", "count", "higher", additive=True, weekly=True),
    K(
        "naive_member_premium",
        "Member premium, naive (members vs non-members)",
        "share",
        description="Revenue per member over revenue per non-member, minus 1, in the program "
        "arm: what a comparison of members with non-members shows (self-selection included).",
    ),
    K(
        "causal_member_effect",
        "Member effect, causal (members vs themselves without the program)",
        "share",
        "higher",
        description="Members' revenue over the same customers' revenue in the control arm, "
        "minus 1: what the program did for its members.",
    ),
    K(
        "naive_to_causal_ratio",
        "Naive premium / causal effect",
        "ratio",
        description="How many times the naive member premium overstates the causal effect "
        "(Leenheer et al. 2007 find about 7 in grocery, with household covariates: compare "
        "segment_adjusted_to_causal_ratio).",
    ),
    K(
        "segment_adjusted_member_premium",
        "Member premium, naive within segments",
        "share",
        description="Members' revenue over what non-members of the same segments spend per "
        "customer (members' segment mix), minus 1: the naive comparison with the household "
        "type held fixed, still without any correction for self-selection.",
    ),
    K(
        "segment_adjusted_to_causal_ratio",
        "Naive premium within segments / causal effect",
        "ratio",
        description="How many times the segment-adjusted naive premium overstates the causal "
        "effect: the measurement design of Leenheer et al. (2007), who find about 7 in grocery.",
    ),
    K("enrolment_rate", "Enrolment rate", "share", "higher"),
    K(
        "active_member_rate",
        "Active member rate",
        "share",
        "higher",
        description="Alive members who visited within the KPI window, per member ever.",
    ),
    K("visits", "Visits", "count", "higher", additive=True, weekly=True),
    K("transactions", "Till transactions", "count", additive=True, weekly=True),
    K("transactions_per_visit", "Till transactions per visit", "ratio"),
    K("control_visits", "Visits, no program", "count", additive=True, weekly=True),
    K("revenue", "Revenue", "money", "higher", additive=True, weekly=True, headline=True),
    K("control_revenue", "Revenue, no program", "money", additive=True, weekly=True),
    K(
        "incremental_revenue",
        "Incremental revenue",
        "money",
        "higher",
        additive=True,
        weekly=True,
        headline=True,
    ),
    K("incremental_revenue_pct", "Incremental revenue, % of control", "share", "higher"),
    K(
        "gross_revenue",
        "Gross revenue (baskets at shelf prices)",
        "money",
        "higher",
        additive=True,
        weekly=True,
        description="Revenue plus the part of redemption baskets paid by rewards.",
    ),
    K(
        "redemption_discount",
        "Basket paid by rewards",
        "money",
        additive=True,
        weekly=True,
        description="Paid spend replaced by free products and voucher money off on "
        "redemption visits (gross minus net revenue).",
    ),
    K(
        "incremental_gross_revenue",
        "Incremental gross revenue",
        "money",
        "higher",
        additive=True,
        weekly=True,
        description="Gross revenue minus the control's revenue.",
    ),
    K(
        "incremental_revenue_frequency",
        "Incremental revenue from visits",
        "money",
        "higher",
        additive=True,
        weekly=True,
        description="Program visits' baskets as drawn before any program shaping, minus the "
        "control's revenue: the frequency part of incremental revenue.",
    ),
    K(
        "incremental_revenue_basket",
        "Incremental revenue from basket size",
        "money",
        "higher",
        additive=True,
        weekly=True,
        description="Baskets after program shaping (points pressure, tier chasing, referral "
        "premium) minus as drawn: the basket part. incremental_revenue = frequency + basket "
        "- redemption_discount.",
    ),
    K("gross_margin", "Gross margin", "money", "higher", additive=True),
    K(
        "program_cost",
        "Program cost",
        "money",
        "lower",
        additive=True,
        weekly=True,
        headline=True,
        description="Every cost account of the program (see cost_by_account).",
    ),
    K("program_income", "Program income", "money", "higher", additive=True, weekly=True),
    K("reward_cost", "Reward cost", "money", "lower", additive=True, weekly=True),
    K("operating_cost", "Operating cost", "money", "lower", additive=True, weekly=True),
    K("profit", "Profit", "money", "higher", additive=True),
    K("control_profit", "Profit, no program", "money", additive=True),
    K(
        "incremental_profit",
        "Incremental profit",
        "money",
        "higher",
        additive=True,
        weekly=True,
        headline=True,
    ),
    K(
        "incremental_profit_npv",
        "Incremental profit, net present value",
        "money",
        "higher",
        additive=True,
        description="Daily incremental profit discounted at economics.discount_rate a year.",
    ),
    K(
        "payback_days",
        "Payback period",
        "days",
        "lower",
        description="Days until cumulative incremental profit stays non-negative; null "
        "when it is still negative at the horizon (mean over replications that pay back).",
    ),
    K(
        "pays_back",
        "Pays back within the horizon",
        "share",
        "higher",
        description="Share of replications whose cumulative incremental profit is "
        "non-negative at the horizon.",
    ),
    K("cost_to_revenue", "Cost to revenue", "share", "lower", headline=True),
    K("roi", "ROI (incremental profit / program cost)", "share", "higher"),
    K(
        "points_opening",
        "Points held on day 0",
        "points",
        additive=True,
        description="Opening balances of an existing base (population.existing_base).",
    ),
    K("points_issued", "Points issued", "points", additive=True, weekly=True),
    K("points_redeemed", "Points redeemed", "points", additive=True, weekly=True),
    K("points_expired", "Points expired", "points", additive=True, weekly=True),
    K("points_outstanding", "Points outstanding", "points", additive=True, weekly=True),
    K(
        "breakage_rate",
        "Breakage",
        "share",
        headline=True,
        description="Points expired or left by defectors, per point issued.",
    ),
    K("good_breakage_share", "Good share of breakage", "share", "higher", headline=True),
    K("bad_breakage_rate", "Bad breakage (engaged members)", "share", "lower"),
    K("liability", "Points liability", "money", "lower", additive=True, weekly=True, headline=True),
    K("redemption_rate", "Redemption rate", "share", "higher"),
    K("capture_rate", "Revenue captured by members", "share", "higher", weekly=True),
    K("engaged_member_share", "Engaged members", "share"),
    K("gave_up_share", "Engaged members who gave up", "share", "lower"),
    K("mean_attachment", "Mean attachment", "ratio", "higher", weekly=True),
    K("points_revenue_allocated", "Revenue allocated to points (IFRS 15)", "money", additive=True),
    K(
        "recognised_points_revenue",
        "Points revenue recognised (IFRS 15)",
        "money",
        additive=True,
        weekly=True,
    ),
    K(
        "deferred_revenue",
        "Deferred revenue at the horizon (IFRS 15)",
        "money",
        "lower",
        additive=True,
        weekly=True,
    ),
    K(
        "deferred_revenue_opening",
        "Deferred revenue on day 0 (IFRS 15)",
        "money",
        additive=True,
        description="Contract liability of the points an existing base holds on day 0.",
    ),
    K("breakage_estimate", "Breakage estimate in force (IFRS 15)", "share"),
    K(
        "reward_cost_by_type.*",
        "Reward cost by type",
        "money",
        "lower",
        additive=True,
        breakdown_of="reward_cost",
    ),
    K(
        "cost_by_account.*",
        "Program cost by account",
        "money",
        "lower",
        additive=True,
        breakdown_of="program_cost",
    ),
)
"""The engine's and the accounts' KPIs (mechanics add theirs)."""

VS_CURRENT: tuple[Kpi, ...] = (
    K("revenue_vs_current", "Revenue vs keeping the current program", "money", "higher", True),
    K("profit_vs_current", "Profit vs keeping the current program", "money", "higher", True),
    K(
        "incremental_profit_npv_vs_current",
        "NPV of profit vs keeping the current program",
        "money",
        "higher",
        True,
    ),
    K("retention_rate_vs_current", "Retention vs keeping the current program", "share", "higher"),
    K(
        "program_cost_vs_current",
        "Program cost vs keeping the current program",
        "money",
        "lower",
        True,
    ),
    K("liability_vs_current", "Liability vs keeping the current program", "money", "lower", True),
)
"""The design minus the current program (scenarios with ``current_program``)."""

WEEKLY_ONLY: tuple[Kpi, ...] = (
    K("week", "Week", "count"),
    K("week_start", "Week start", "days"),
    K("new_members", "New members", "count", "higher", additive=True, weekly=True),
    K("dropouts", "Defections", "count", "lower", additive=True, weekly=True),
    K("member_visits", "Member visits", "count", additive=True, weekly=True),
    K("member_revenue", "Member revenue", "money", additive=True, weekly=True),
    K(
        "base_revenue",
        "Revenue as drawn, before program shaping",
        "money",
        additive=True,
        weekly=True,
    ),
    K(
        "shaped_revenue",
        "Revenue of the shaped baskets, before redemption discounts",
        "money",
        additive=True,
        weekly=True,
    ),
    K("alive", "Customers alive", "count", weekly=True),
    K("control_alive", "Customers alive, no program", "count", weekly=True),
)
"""Columns that only the weekly series has."""

YEARLY_ONLY: tuple[Kpi, ...] = (
    K("year", "Year", "count"),
    K("days", "Days in the year", "days"),
    K(
        "cumulative_incremental_profit",
        "Cumulative incremental profit",
        "money",
        "higher",
        additive=True,
    ),
    K(
        "discounted_incremental_profit",
        "Incremental profit, discounted",
        "money",
        "higher",
        additive=True,
    ),
)
"""Columns that only ``yearly.csv`` has (``arm`` and ``start`` are labels, not KPIs)."""

FULL_SCALE_UNITS = frozenset({"money", "count", "points"})
"""Units of KPIs that grow with the population (reported at ``population.represents``)."""
STOCK_COUNTS = frozenset({"alive", "control_alive"})
"""Count stocks that are not additive over weeks but still scale with the population."""


def at_full_scale(key: str) -> bool:
    """Whether a KPI or column is a total that ``population.represents`` scales up (money,
    counts and points summed over customers; never ratios, days or the week index)."""
    kpi = lookup(key)
    if kpi is None or kpi.unit not in FULL_SCALE_UNITS:
        return False
    return kpi.additive or kpi.key in STOCK_COUNTS


GROUP_ONLY: tuple[Kpi, ...] = (
    K(
        "incremental_revenue_per_customer",
        "Incremental revenue per customer",
        "money",
        "higher",
        description="Incremental revenue of a segment or group, per arrived customer in it.",
    ),
    K(
        "incremental_gross_margin",
        "Incremental gross margin",
        "money",
        "higher",
        additive=True,
        description="Incremental revenue of a segment or group times the gross margin.",
    ),
)
"""KPIs that only segments and customer groups report (summary.json ``segments``)."""


def reward_types() -> tuple[str, ...]:
    """Every reward type some mechanic books a cost under (``reward_cost_by_type.*``)."""
    return tuple(sorted({t for m in MECHANICS for t in m.reward_types}))


def _match(key: str, table: Mapping[str, Kpi]) -> Kpi | None:
    if key in table:
        return table[key]
    head = key
    while "." in head:
        head = head.rsplit(".", 1)[0]
        if head + ".*" in table:
            return table[head + ".*"]
        if head in table:  # a repeatable mechanic's per-instance key, ``key.<instance>``
            return table[head]
    return None


@cache
def _table() -> dict[str, Kpi]:
    table: dict[str, Kpi] = {
        k.key: k for k in (*CORE, *VS_CURRENT, *WEEKLY_ONLY, *YEARLY_ONLY, *GROUP_ONLY)
    }
    for mechanic in MECHANICS:
        for k in mechanic.KPIS:
            if k.key in table and table[k.key] != k:
                raise RuntimeError(f"KPI {k.key!r} is declared twice, differently")
            table[k.key] = k
    for account in declared_accounts(MECHANICS):
        if account not in table:  # weekly.csv has a column per money account
            income = account.endswith("_income")
            label = account.replace("_", " ").capitalize()
            table[account] = Kpi(
                account,
                label,
                "money",
                "higher" if income else "lower",
                additive=True,
                weekly=True,
                description="A money account of the ledger.",
            )
    return table


def lookup(key: str) -> Kpi | None:
    """The definition of a summary key or weekly column (families and instances matched)."""
    return _match(key, _table())


def definition(key: str) -> Kpi:
    """Like :func:`lookup`, for keys that must be known (raises ``KeyError`` otherwise)."""
    found = lookup(key)
    if found is None:
        raise KeyError(f"KPI {key!r} is not in the catalogue")
    return found


def headline() -> list[Kpi]:
    """The headline KPIs, in catalogue order (console table, report's first table)."""
    return [k for k in CORE if k.headline]


def instance_keys(mechanic: type[Mechanic[Any]], name: str, params: Any) -> list[str]:
    """Summary keys of one instance: plain for singletons, ``key.<name>`` (and additive
    totals) for repeatable kinds."""
    keys = mechanic.kpi_keys(params)
    if mechanic.singleton:
        return keys
    return [instance_key(k, name) for k in keys]


def instance_key(key: str, instance: str) -> str:
    """The summary key of a repeatable mechanic's KPI for one instance: ``key.<instance>``."""
    return f"{key}.{instance}"


def declared_accounts(mechanics: Iterable[type[Mechanic[Any]]]) -> list[str]:
    """The money accounts a program of these mechanic kinds books, sorted."""
    accounts: set[str] = set()
    for mechanic in mechanics:
        accounts.update(mechanic.accounts)
        if mechanic.reward_types:
            accounts.add("reward_cost")
    return sorted(accounts)


def keys_for(scenario: Scenario) -> list[str]:
    """Every scalar KPI key a run of ``scenario`` reports, known without simulating it."""
    keys = [k.key for k in CORE if not k.key.endswith(".*")]
    if scenario.current_program is not None:
        keys += [k.key for k in VS_CURRENT]
    keys += [f"reward_cost_by_type.{t}" for t in reward_types()]
    kinds = [REGISTRY[p.kind] for p in scenario.program.values()]
    costs = cost_accounts(declared_accounts(kinds))
    keys += [f"cost_by_account.{a}" for a in ["operating_cost", *costs]]
    repeated: dict[str, list[str]] = {}
    for name, params in sorted(scenario.program.items()):
        mechanic = REGISTRY[params.kind]
        keys += instance_keys(mechanic, name, params)
        if not mechanic.singleton:
            repeated.setdefault(params.kind, []).append(name)
    for kind, names in repeated.items():
        keys += combined_keys(REGISTRY[kind], len(names))
    return list(dict.fromkeys(keys))


def combined_keys(mechanic: type[Mechanic[Any]], instances: int) -> list[str]:
    """Totals over the instances of a repeatable kind: additive KPIs always, the others
    when there is a single instance (then the total is that instance's value)."""
    return [k.key for k in mechanic.KPIS if k.additive or instances == 1]


def cost_accounts(accounts: Iterable[str]) -> list[str]:
    """Money accounts that are program costs: every account but ``*_income`` ones."""
    return sorted(a for a in accounts if not a.endswith("_income"))
