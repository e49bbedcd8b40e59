"""Compiled passes of the rewards mechanic: the goal-gradient pull of every customer (it runs
every day) and the redemption plan of the day's member visitors.

Kept apart from :mod:`loyalsim.mechanics.rewards` so that loading a scenario does not import
Numba; the rewards mechanic imports it on first use. The two pull loops have no branch that
depends on the customer, so they compile to vector instructions.
"""

from __future__ import annotations

import numba
import numpy as np

from loyalsim.engine.kernels import unit


@numba.njit(cache=True, nogil=True, error_model="numpy")
def felt_progress(
    carry: np.ndarray,
    carry_decay: float,
    balance: np.ndarray,
    redeemed: np.ndarray,
    head_start: np.ndarray,
    endowed_progress: float,
    target_points: np.ndarray,
) -> np.ndarray:
    """Decays ``carry`` in place and returns ``max(progress, carry)`` for every customer, with
    ``progress = min((balance + eta * head_start [no redemption yet]) / target, 1)``
    (docs/model.md §3); an empty ``head_start`` means no endowed progress. Targets cost at
    least one point, so no NaN arises and the maximum is numpy's."""
    n = carry.size
    out = np.empty(n)
    endowed = head_start.size > 0
    for i in range(n):
        c = carry[i] * carry_decay
        carry[i] = c
        if endowed:
            extra = endowed_progress * head_start[i] if redeemed[i] == 0 else 0.0
            progress = min((balance[i] + extra) / target_points[i], 1.0)
        else:
            progress = min(balance[i] / target_points[i], 1.0)
        out[i] = progress if progress >= c else c
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def scale_pull(
    pull: np.ndarray,
    member: np.ndarray,
    engaged: np.ndarray,
    frustrated: np.ndarray,
    gradient: float,
    target_value: np.ndarray,
) -> np.ndarray:
    """In place: ``pull * (gradient * V)`` for tracking members (engaged, not given up), 0 for
    everyone else. ``V`` (``target_value``) is finite and non-negative, so a zero pull stays
    zero, as when only the non-zero pulls are scaled."""
    for i in range(pull.size):
        scaled = pull[i] * (gradient * target_value[i])
        pull[i] = scaled if member[i] & engaged[i] & ~frustrated[i] else 0.0
    return pull


@numba.njit(cache=True, nogil=True, error_model="numpy")
def goal_pull(
    carry: np.ndarray,
    carry_decay: float,
    balance: np.ndarray,
    redeemed: np.ndarray,
    head_start: np.ndarray,
    endowed_progress: float,
    target_points: np.ndarray,
    member: np.ndarray,
    engaged: np.ndarray,
    frustrated: np.ndarray,
    gradient: float,
    target_value: np.ndarray,
) -> np.ndarray:
    """:func:`felt_progress` then :func:`scale_pull` in one pass, for a goal-gradient
    curvature of 1 (no power between them); the same arithmetic, so the same bits."""
    n = carry.size
    out = np.empty(n)
    endowed = head_start.size > 0
    for i in range(n):
        c = carry[i] * carry_decay
        carry[i] = c
        if endowed:
            extra = endowed_progress * head_start[i] if redeemed[i] == 0 else 0.0
            progress = min((balance[i] + extra) / target_points[i], 1.0)
        else:
            progress = min(balance[i] / target_points[i], 1.0)
        pull = progress if progress >= c else c
        scaled = pull * (gradient * target_value[i])
        out[i] = scaled if member[i] & engaged[i] & ~frustrated[i] else 0.0
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def plan_redemptions(
    idx: np.ndarray,
    balance: np.ndarray,
    target_points: np.ndarray,
    cheapest: int,
    member: np.ndarray,
    engaged: np.ndarray,
    frustrated: np.ndarray,
    saved: np.ndarray,
    points_per_visit: np.ndarray,
    rate: np.ndarray,
    patience_days: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who among member visitors ``idx`` can redeem, who tracks their points, and who is out
    of reach (docs/model.md §3):

    - tracking members can redeem once their balance reaches their target, the others once it
      reaches the cheapest reward; a tracking member who could afford the cheapest reward but
      saves for a dearer target is marked in ``saved`` (in place);
    - tracking members who can earn and are short of the cheapest reward are out of reach when
      ``(cheapest - balance) / (rate * points_per_visit) > patience_days``.

    Returns ``(can, tracking)`` aligned with ``idx`` and the customers out of reach."""
    n = idx.size
    can = np.empty(n, dtype=np.bool_)
    tracking = np.empty(n, dtype=np.bool_)
    out_of_reach = np.empty(n, dtype=np.int64)
    k = 0
    for j in range(n):
        i = idx[j]
        bal = balance[i]
        tracks = member[i] & engaged[i] & ~frustrated[i]
        affords = bal >= cheapest
        ready = bal >= target_points[i] if tracks else affords
        tracking[j] = tracks
        can[j] = ready
        if tracks and not ready and affords:
            saved[i] = True
        earns = tracks and not affords and points_per_visit[i] > 0
        if earns and (cheapest - bal) / (rate[i] * points_per_visit[i]) > patience_days:
            out_of_reach[k] = i
            k += 1
    return can, tracking, out_of_reach[:k]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def draw_redemptions(
    idx: np.ndarray,
    tracking: np.ndarray,
    balance: np.ndarray,
    reward_points: np.ndarray,
    target: np.ndarray,
    best_upto: np.ndarray,
    segment: np.ndarray,
    is_voucher: np.ndarray,
    engaged_prob: float,
    passive_prob: float,
    voucher_boost: float,
    keys: np.ndarray,
    counter: np.uint64,
) -> tuple[np.ndarray, np.ndarray]:
    """Which of the members ``idx`` who can redeem today do, and what (docs/model.md §5).

    A tracking member (``tracking``, aligned with ``idx``) chooses their target reward, with
    probability ``engaged_prob``; the others the reward their segment values most among those
    the balance affords (``best_upto[segment, k]``, ``k`` the dearest affordable reward of
    ``reward_points``, ascending), with ``passive_prob``. A voucher's chance ``c`` becomes
    ``1 - (1 - min(c, 1 - 1e-12))**boost``, computed as ``-expm1(boost * log1p(-c))``. The
    customer redeems when the uniform of the stream (its customer ``keys``) at ``counter`` is
    below the chance. Returns the positions in ``idx`` that redeem and their choices."""
    n = idx.size
    go = np.empty(n, dtype=np.int64)
    choice = np.empty(n, dtype=np.int64)
    k = 0
    for j in range(n):
        i = idx[j]
        if tracking[j]:
            chosen, chance = target[i], engaged_prob
        else:
            affordable = np.searchsorted(reward_points, balance[i], side="right") - 1
            chosen, chance = best_upto[segment[i], affordable], passive_prob
        if is_voucher[chosen]:
            chance = -np.expm1(voucher_boost * np.log1p(-min(chance, 1 - 1e-12)))
        if unit(keys[i], counter) < chance:
            go[k] = j
            choice[k] = chosen
            k += 1
    return go[:k], choice[:k]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def settle_redemptions(
    rows: np.ndarray,
    idx: np.ndarray,
    choice: np.ndarray,
    tracking: np.ndarray,
    spend: np.ndarray,
    discount: np.ndarray,
    redeemed: np.ndarray,
    reward: np.ndarray,
    dropout_factor: np.ndarray,
    carry: np.ndarray,
    reset_carry: float,
    post_reward_dropout: float,
    displacement: np.ndarray,
    value: np.ndarray,
    cost: np.ndarray,
    is_voucher: np.ndarray,
    gross_margin: float,
    type_gain: np.ndarray,
    taste: np.ndarray,
    segment: np.ndarray,
    is_experience: np.ndarray,
    experience_seeking: np.ndarray,
    gain_redeem: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The visits (``rows`` of today's batch) of customers ``idx`` who redeem ``choice``, in
    place (docs/model.md §5): the reward pays ``min(spend, displacement * value)`` of the
    basket (moved from ``spend`` to ``discount``), the visit is marked (``redeemed``,
    ``reward``), a tracking member's dropout factor grows by ``1 + post_reward_dropout`` and
    the goal pull carried over is reset to ``reset_carry``.

    Returns each redemption's cost (a voucher's ``cost * used - discount * gross_margin``,
    ``used = discount / value`` (1 for a worthless voucher), never below 0) and attachment
    gain ``clip(gain_redeem * type_gain * taste[segment, choice], 0, 1)``, an experience's
    factor times ``2 * experience_seeking`` (empty when the catalogue has none)."""
    n = idx.size
    costs = np.empty(n)
    gains = np.empty(n)
    for j in range(n):
        r, i, c = rows[j], idx[j], choice[j]
        off = min(spend[r], displacement[c] * value[c])
        spend[r] -= off
        discount[r] += off
        paid = cost[c]
        if is_voucher[c]:
            used = off / value[c] if value[c] > 0 else 1.0
            paid = max(paid * used - off * gross_margin, 0.0)
        costs[j] = paid
        factor = type_gain[c] * taste[segment[i], c]
        if is_experience[c]:
            factor *= 2.0 * experience_seeking[i]
        gains[j] = min(max(gain_redeem * factor, 0.0), 1.0)
        carry[i] = reset_carry
        redeemed[r] = True
        reward[r] = c
        if tracking[j]:
            dropout_factor[r] *= 1.0 + post_reward_dropout
    return costs, gains
