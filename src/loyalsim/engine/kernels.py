"""Compiled kernels of the hot path (Numba): counter-based draws and the daily visit clock.

Profiling showed most of a run's time in whole-population numpy passes that create
temporaries: hashing the per-customer counters, the visit clock's logarithm for every alive
customer every day, assembling the visit multiplier, and the gamma sampler's rejection loop.
Each kernel here does one of these in a single pass over the arrays, with the same
arithmetic in the same order as the equations in docs/model.md, and skips work that
cannot change the outcome (departed customers; the logarithm where the uniform alone rules
the visit out, since ``-log(1 - u) >= u``). Kernels are compiled once and cached on disk.
"""

from __future__ import annotations

from typing import Any

import llvmlite.binding
import numba
import numpy as np
from numba.extending import get_cython_function_address

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
TO_UNIT = 2.0**-53

llvmlite.binding.add_symbol(
    "loyalsim_ndtri", get_cython_function_address("scipy.special.cython_special", "ndtri")
)
_ndtri: Any = numba.types.ExternalFunction("loyalsim_ndtri", numba.float64(numba.float64))
"""scipy's standard normal quantile, linked by symbol name so the kernels can be cached."""

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
"""Compiled, cached, with numpy's floating-point semantics (inf and nan, never an exception)."""


@numba.njit(cache=True, inline="always")
def mix(x: np.uint64) -> np.uint64:
    """SplitMix64 finaliser."""
    x ^= x >> _S30
    x *= _MIX1
    x ^= x >> _S27
    x *= _MIX2
    x ^= x >> _S31
    return x


@numba.njit(cache=True, inline="always")
def customer_key(stream_key: np.uint64, i: int) -> np.uint64:
    """Customer ``i``'s key in a stream: ``mix(mix((i + 1) * GOLDEN ^ stream_key))``."""
    return mix(mix(np.uint64(i + 1) * GOLDEN ^ stream_key))


@numba.njit(cache=True, inline="always")
def unit(key: np.uint64, counter: np.uint64) -> float:
    """The uniform in [0, 1) of one customer key at one counter."""
    return float(mix(key + counter * GOLDEN) >> _S11) * TO_UNIT


@_jit
def customer_keys(stream_key: np.uint64, n: int) -> np.ndarray:
    """Every customer's key in a stream (:func:`customer_key`): computed once per stream, so
    the kernels load a key instead of hashing it again every day."""
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i] = customer_key(stream_key, i)
    return out


@_jit
def uniform_all(keys: np.ndarray, counter: np.uint64) -> np.ndarray:
    out = np.empty(keys.size)
    for i in range(keys.size):
        out[i] = unit(keys[i], counter)
    return out


@_jit
def uniform_at(keys: np.ndarray, idx: np.ndarray, counter: np.uint64) -> np.ndarray:
    out = np.empty(idx.size)
    for j in range(idx.size):
        out[j] = unit(keys[idx[j]], counter)
    return out


@_jit
def normal_at(keys: np.ndarray, idx: np.ndarray, counter: np.uint64) -> np.ndarray:
    """Standard normals by inversion of the counter's uniforms (one uniform, one normal)."""
    out = np.empty(idx.size)
    for j in range(idx.size):
        out[j] = _ndtri(max(unit(keys[idx[j]], counter), TO_UNIT))
    return out


@numba.njit(cache=True)
def _gamma(
    key: np.uint64, a: float, day_counter: np.uint64, first_sub: int, last_sub: int
) -> float:
    """One Gamma(a, 1) variate of one customer (see :func:`gamma_at`); -1 if none was found."""
    small = a < 1.0
    d = (a + 1.0 if small else a) - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    sub = first_sub
    value = -1.0
    while sub + 2 < last_sub:
        x = _ndtri(max(unit(key, day_counter + np.uint64(sub)), TO_UNIT))
        u = unit(key, day_counter + np.uint64(sub + 1))
        v = 1.0 + c * x
        v = v * v * v
        x2 = x * x
        if v > 0 and (
            u < 1.0 - 0.0331 * x2 * x2 or np.log(u) < 0.5 * x2 + d - d * v + d * np.log(v)
        ):
            value = d * v
            break
        sub += 2
    if small and value >= 0:
        value *= unit(key, day_counter + np.uint64(last_sub)) ** (1.0 / a)
    return value


@_jit
def gamma_at(
    keys: np.ndarray,
    idx: np.ndarray,
    shape: np.ndarray,
    day_counter: np.uint64,
    first_sub: int,
    last_sub: int,
) -> np.ndarray:
    """Gamma(shape, 1) by Marsaglia & Tsang (2000): attempt ``k`` uses sub-draws
    ``first_sub + 2k`` (normal) and ``+ 2k + 1`` (uniform); shapes below 1 are boosted with
    sub-draw ``last_sub``: ``G(a) = G(a + 1) * U**(1/a)``. Returns -1 where the sub-draws
    ran out (the caller raises)."""
    out = np.empty(idx.size)
    for j in range(idx.size):
        key = keys[idx[j]]
        out[j] = _gamma(key, shape[j], day_counter, first_sub, last_sub)
    return out


UPPER_MARGIN = 1.0 + 1e-12
"""Widens ``u / (1 - u)`` past any rounding of ``-log1p(-u)`` (both within a few ulps)."""


@numba.njit(cache=True, inline="always")
def _ticks(u: float, rate: float, boosted: float) -> tuple[bool, bool]:
    """``(e < rate, e < boosted)`` for the unit exponential ``e = -log1p(-u)`` of a candidate.

    ``u <= e <= u / (1 - u)``: when the upper bound, widened by :data:`UPPER_MARGIN`, is below
    both rates, both answers are yes without the logarithm; otherwise it is taken. Exact: the
    widened bound is at least the computed ``e`` for every ``u`` in [0, 1)."""
    upper = u / (1.0 - u) * UPPER_MARGIN
    if upper < rate and upper < boosted:
        return True, True
    e = -np.log1p(-u)
    return e < rate, e < boosted


@_jit
def gamma_scaled_at(
    keys: np.ndarray,
    idx: np.ndarray,
    shape: np.ndarray,
    rate: np.ndarray,
    day_counter: np.uint64,
    first_sub: int,
    last_sub: int,
    known_idx: np.ndarray,
    known: np.ndarray,
) -> np.ndarray:
    """:func:`gamma_at` with per-customer arrays: ``Gamma(shape[i], 1) / rate[i]`` for each
    ``i`` in ``idx`` (negative where the sub-draws ran out), copying ``known[k]`` for the
    customers ``known_idx[k]`` whose variate of the day was drawn already (both index arrays
    ascending; empty when none is known): the same bits as drawing every variate, since a
    draw depends only on the customer and the counter."""
    out = np.empty(idx.size)
    k = 0
    m = known_idx.size
    for j in range(idx.size):
        i = idx[j]
        while k < m and known_idx[k] < i:
            k += 1
        if k < m and known_idx[k] == i:
            out[j] = known[k]
        else:
            out[j] = _gamma(keys[i], shape[i], day_counter, first_sub, last_sub)
            out[j] /= rate[i]
    return out


@_jit
def visit_clock(
    keys: np.ndarray,
    counter: np.uint64,
    live_rate: np.ndarray,
    season: float,
    multiplier: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Today's visitors and base-clock ticks, ascending.

    Customer ``i``'s unit exponential ``e = -log(1 - u)`` ticks the base purchase clock when
    ``e < live_rate * season`` and makes a visit when ``e < live_rate * season * m`` (``m``:
    the program's multiplier; an empty array means no program, ``m = 1``). Departed and
    not yet arrived customers have ``live_rate = 0`` and never tick. A first, branch-free
    (vectorised) pass marks the candidates, whose uniform ``u`` is below the larger rate; the
    logarithm is taken for them only, which is exact since ``e >= u``. The outputs are sized
    by the candidates counted in that pass (fresh pages for a whole-population array cost more
    than the pass over the few candidates).
    """
    n = live_rate.size
    program = multiplier.size > 0
    candidate = np.empty(n, dtype=np.bool_)
    count = 0
    for i in range(n):
        rate = live_rate[i] * season
        boosted = rate * multiplier[i] if program else rate
        u = unit(keys[i], counter)
        is_candidate = (u < rate) | (u < boosted)
        candidate[i] = is_candidate
        count += is_candidate
    visit = np.empty(count, dtype=np.int64)
    base = np.empty(count, dtype=np.int64)
    nv = nb = 0
    for i in range(n):
        if not candidate[i]:
            continue
        rate = live_rate[i] * season
        boosted = rate * multiplier[i] if program else rate
        base_tick, visits = _ticks(unit(keys[i], counter), rate, boosted)
        if base_tick:
            base[nb] = i
            nb += 1
        if visits:
            visit[nv] = i
            nv += 1
    return visit[:nv], base[:nb]


@_jit
def pressure_visit_clock(
    keys: np.ndarray,
    counter: np.uint64,
    live_rate: np.ndarray,
    season: float,
    lift: np.ndarray,
    membership_lift: float,
    can_earn: np.ndarray,
    pull: np.ndarray,
    member: np.ndarray,
    shift: np.ndarray,
    theta: float,
    headroom: np.ndarray,
    clamp: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`visit_clock` of the program arm with its multiplier computed in the same passes
    (docs/model.md §3)::

        m = 1 + headroom * (member * pull * (L * can_earn + lift) + theta * shift)

    floored at 0 when ``clamp``; an empty ``lift`` is no mechanic lift, ``theta = 0`` skips
    the shift term. The membership lift applies only to customers who can earn points. The
    multiplier is computed twice for the candidates (cheaper than storing it for everyone)."""
    n = live_rate.size
    has_lift = lift.size > 0
    candidate = np.empty(n, dtype=np.bool_)
    count = 0
    for i in range(n):
        x = membership_lift if can_earn[i] else 0.0
        if has_lift:
            x = lift[i] + x
        x *= pull[i]
        x *= 1.0 if member[i] else 0.0
        if theta != 0.0:
            x += theta * shift[i]
        x *= headroom[i]
        x += 1.0
        if clamp and x < 0.0:
            x = 0.0
        rate = live_rate[i] * season
        boosted = rate * x
        u = unit(keys[i], counter)
        is_candidate = (u < rate) | (u < boosted)
        candidate[i] = is_candidate
        count += is_candidate
    visit = np.empty(count, dtype=np.int64)
    base = np.empty(count, dtype=np.int64)
    nv = nb = 0
    for i in range(n):
        if not candidate[i]:
            continue
        x = membership_lift if can_earn[i] else 0.0
        if has_lift:
            x = lift[i] + x
        x *= pull[i]
        x *= 1.0 if member[i] else 0.0
        if theta != 0.0:
            x += theta * shift[i]
        x *= headroom[i]
        x += 1.0
        if clamp and x < 0.0:
            x = 0.0
        rate = live_rate[i] * season
        boosted = rate * x
        base_tick, visits = _ticks(unit(keys[i], counter), rate, boosted)
        if base_tick:
            base[nb] = i
            nb += 1
        if visits:
            visit[nv] = i
            nv += 1
    return visit[:nv], base[:nb]


@_jit
def record_visits(
    idx: np.ndarray,
    spend: np.ndarray,
    day: int,
    last_visit: np.ndarray,
    spend_total: np.ndarray,
    visit_total: np.ndarray,
) -> None:
    """Today's visits of customers ``idx`` (unique) into their running totals, in place."""
    for j in range(idx.size):
        i = idx[j]
        last_visit[i] = day
        spend_total[i] += spend[j]
        visit_total[i] += 1


@_jit
def decay(values: np.ndarray, factor: float) -> bool:
    """Multiply ``values`` by ``factor`` in place; returns whether any was non-zero before (one
    pass instead of numpy's ``any`` then ``*=``; a zero times the factor stays zero)."""
    moved = False
    for i in range(values.size):
        v = values[i]
        moved |= v != 0.0
        values[i] = v * factor
    return moved


@_jit
def tracking_at(
    member: np.ndarray, engaged: np.ndarray, frustrated: np.ndarray, idx: np.ndarray
) -> np.ndarray:
    """``member & engaged & ~frustrated`` of customers ``idx`` in one pass."""
    out = np.empty(idx.size, dtype=np.bool_)
    for j in range(idx.size):
        i = idx[j]
        out[j] = member[i] & engaged[i] & ~frustrated[i]
    return out


@_jit
def feel(idx: np.ndarray, size: np.ndarray, base: np.ndarray, shift: np.ndarray) -> None:
    """Move the attachment of customers ``idx`` by a bounded step, in place: with
    ``a = clip(base + shift, 0, 1)``, a gain (``size >= 0``) adds ``size * (1 - a)`` to
    ``shift``, a loss ``size * a``. ``size`` is aligned with ``idx`` or holds one value for
    all. Every step is computed from the attachment before the call and written in ``idx``
    order (numpy's ``shift[idx] += step``, also when ``idx`` repeats a customer)."""
    n = idx.size
    one = size.size == 1
    new = np.empty(n)
    for j in range(n):
        i = idx[j]
        a = min(max(base[i] + shift[i], 0.0), 1.0)
        s = size[0] if one else size[j]
        new[j] = shift[i] + (s * (1.0 - a) if s >= 0 else s * a)
    for j in range(n):
        shift[idx[j]] = new[j]


@_jit
def churn_probability(
    candidates: np.ndarray,
    dropout: np.ndarray,
    attachment_factor: np.ndarray,
    frustrated: np.ndarray,
    frustration_dropout: float,
    progress_lockin: float,
    response: np.ndarray,
    balance: np.ndarray,
    target_points: np.ndarray,
    member: np.ndarray,
    engaged: np.ndarray,
) -> np.ndarray:
    """Dropout probability of each base-clock candidate in the program arm (docs/model.md)::

        p * exp(-theta_d * shift) * (1 + f * frustrated)
          * (1 - min(lockin * response * progress * tracking, 1))

    ``attachment_factor`` is the exponential, aligned with ``candidates``; an empty
    ``target_points`` means no goal (progress 0)."""
    out = np.empty(candidates.size)
    has_target = target_points.size > 0
    for j in range(candidates.size):
        i = candidates[j]
        p = dropout[i] * attachment_factor[j]
        p *= 1.0 + frustration_dropout * (1.0 if frustrated[i] else 0.0)
        progress = min(balance[i] / target_points[i], 1.0) if has_target else 0.0
        lockin = progress_lockin * response[i] * progress
        tracking = member[i] & engaged[i] & ~frustrated[i]
        p *= 1.0 - min(lockin * (1.0 if tracking else 0.0), 1.0)
        out[j] = p
    return out


@_jit
def leavers(
    candidates: np.ndarray,
    prob: np.ndarray,
    visitors: np.ndarray,
    visit_factor: np.ndarray,
    keys: np.ndarray,
    counter: np.uint64,
) -> np.ndarray:
    """Who among the base-clock ``candidates`` (ascending) defects today: the dropout stream's
    uniform (customer ``keys`` at ``counter``) below ``prob`` (aligned with ``candidates``)
    times the visit's dropout factor of a candidate among today's ``visitors`` (ascending,
    ``visit_factor`` aligned with them; a factor of 1 leaves the probability as it is)."""
    out = np.empty(candidates.size, dtype=np.int64)
    k = v = 0
    for j in range(candidates.size):
        i = candidates[j]
        p = prob[j]
        while v < visitors.size and visitors[v] < i:
            v += 1
        if v < visitors.size and visitors[v] == i:
            p *= visit_factor[v]
        if unit(keys[i], counter) < p:
            out[k] = i
            k += 1
    return out[:k]


@_jit
def stamps(
    idx: np.ndarray,
    spend: np.ndarray,
    transactions: np.ndarray,
    member: np.ndarray,
    min_spend: float,
    points_per_visit: int,
    earn_multiplier: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Visit earning of today's baskets (aligned with visitors ``idx``): members whose ticket
    ``spend / transactions`` reaches ``min_spend`` earn
    ``floor(points_per_visit * transactions * earn_multiplier)``. Returns the earners and
    their points."""
    earners = np.empty(idx.size, dtype=np.int64)
    points = np.empty(idx.size, dtype=np.int64)
    k = 0
    for j in range(idx.size):
        if member[j] and spend[j] / transactions[j] >= min_spend:
            i = idx[j]
            earners[k] = i
            points[k] = np.int64(np.floor(points_per_visit * transactions[j] * earn_multiplier[i]))
            k += 1
    return earners[:k], points[:k]
