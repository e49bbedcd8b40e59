"""The compiled kernels give exactly what their numpy definitions give (same bits)."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtri

from loyalsim.engine import kernels, ledger_kernels
from loyalsim.engine.rng import SUBS_PER_DAY, CustomerStream

N = 20_000


@pytest.fixture(scope="module")
def stream() -> CustomerStream:
    return CustomerStream(11, 2, "visit", N)


@pytest.fixture(scope="module")
def rates() -> np.ndarray:
    rng = np.random.default_rng(3)
    rate = rng.gamma(1.2, 0.2, N)
    rate[rng.random(N) < 0.2] = 0.0  # departed or not yet arrived
    return rate


def _numpy_mix(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def test_uniforms_are_the_splitmix_definition_of_docs_model(stream):
    """``U_i(t) = mix(h_i + (64 t + j) G) / 2^64`` with ``h_i = mix(mix((i + 1) G ^ key))``."""
    golden = np.uint64(0x9E3779B97F4A7C15)
    key = stream._key
    with np.errstate(over="ignore"):
        h = _numpy_mix(_numpy_mix(np.arange(1, N + 1, dtype=np.uint64) * golden ^ key))
        bits = _numpy_mix(h + np.uint64(17 * SUBS_PER_DAY + 3) * golden)
    expected = (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53
    assert np.array_equal(stream.uniform(17, sub=3), expected)
    idx = np.array([0, 5, N - 1])
    assert np.array_equal(stream.uniform(17, idx, sub=3), expected[idx])


@pytest.mark.parametrize("program", [False, True])
def test_visit_clock_is_the_exponential_rule(stream, rates, program):
    rng = np.random.default_rng(5)
    multiplier = rng.uniform(0.0, 3.0, N) if program else None
    for day in (0, 17, 300):
        season = 1.0 + 0.1 * np.cos(day)
        visit, base = stream.visit_clock(day, rates, season, multiplier)
        e = stream.exponential(day)
        base_rate = rates * season
        expected_visit = e < (base_rate * multiplier if program else base_rate)
        assert np.array_equal(visit, np.flatnonzero(expected_visit))
        assert np.array_equal(base, np.flatnonzero(e < base_rate))
        assert base.size > 100


@numba.njit(cache=False)
def _exponentials(u: np.ndarray) -> np.ndarray:
    return -np.log1p(-u)  # the compiled logarithm the clock takes (numpy's may differ by an ulp)


def test_the_clock_skips_the_logarithm_only_where_the_answer_is_sure():
    # rates placed at, just above and just below each unit exponential: the shortcut through
    # the upper bound u / (1 - u) must answer as the logarithm does, every time
    rng = np.random.default_rng(6)
    tiny = np.arange(0, 50) * 2.0**-53
    u = np.concatenate([tiny, rng.random(20_000) * 0.3, rng.random(2_000), 1.0 - tiny[1:]])
    e = _exponentials(u)
    for rate in (e, np.nextafter(e, np.inf), np.nextafter(e, 0.0), e * (1 + 1e-9), e * 1.5):
        for k in range(u.size):
            answer = kernels._ticks(u[k], rate[k], rate[k] * 2.0)
            assert answer == (e[k] < rate[k], e[k] < rate[k] * 2.0), (u[k], rate[k])


def _numpy_multiplier(lift, can_earn, pull, member, shift, theta, headroom, clamp):
    """The visit multiplier of docs/model.md §3 in numpy, term by term."""
    x = (lift.copy() if lift.size else np.zeros(pull.size)) + 0.05 * can_earn
    x *= pull
    x *= member
    if theta:
        x += theta * shift
    x *= headroom
    x += 1.0
    if clamp:
        np.maximum(x, 0.0, out=x)
    return x


def test_the_fused_program_clock_is_the_clock_of_the_numpy_multiplier(stream, rates):
    from loyalsim.engine.rng import VisitPressure

    rng = np.random.default_rng(8)
    lift, pull, shift, headroom = (rng.normal(0, 1, N) for _ in range(4))
    member = rng.random(N) < 0.6
    can_earn = rng.random(N) < 0.8
    for theta, clamp, with_lift in [(0.0, False, True), (0.4, True, True), (0.4, True, False)]:
        used = lift if with_lift else np.empty(0)
        multiplier = _numpy_multiplier(used, can_earn, pull, member, shift, theta, headroom, clamp)
        pressure = VisitPressure(used, 0.05, can_earn, pull, member, shift, theta, headroom, clamp)
        for day in (3, 200):
            visit, base = stream.visit_clock(day, rates, 0.9, pressure)
            expected_visit, expected_base = stream.visit_clock(day, rates, 0.9, multiplier)
            assert np.array_equal(visit, expected_visit)
            assert np.array_equal(base, expected_base)
            assert visit.size > 100 and not np.array_equal(visit, base)


def test_normals_are_the_inverse_normal_of_the_uniforms(stream):
    idx = np.arange(0, N, 3)
    u = stream.uniform(4, idx, sub=5)
    assert np.array_equal(stream.normal(4, idx, sub=5), ndtri(np.maximum(u, 2.0**-53)))


def test_gamma_first_attempt_is_marsaglia_tsang(stream):
    """Where the squeeze accepts the first attempt, the variate is ``d v`` from sub-draws 0, 1."""
    idx = np.arange(N)
    shape = np.full(N, 3.0)
    d = shape - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    x = stream.normal(6, idx, 0)
    u = stream.uniform(6, idx, 1)
    v = (1.0 + c * x) ** 3
    first = (v > 0) & (u < 1.0 - 0.0331 * x**4)
    got = stream.gamma(6, idx, shape)
    assert first.mean() > 0.9
    assert np.allclose(got[first], (d * v)[first], rtol=1e-15, atol=0)


@pytest.mark.parametrize("shape", [0.4, 6.0])
def test_gamma_is_gamma_distributed_and_uses_its_sub_draws_only(stream, shape):
    idx = np.arange(N)
    draws = stream.gamma(9, idx, np.full(N, shape), first_sub=2)
    assert stats.kstest(draws, stats.gamma(shape).cdf).pvalue > 0.001
    assert not np.array_equal(draws, stream.gamma(9, idx, np.full(N, shape)))
    assert SUBS_PER_DAY == 64  # the boost draw is the last sub-draw of the day


def test_tier_chase_pull_matches_the_numpy_formula():
    from loyalsim.mechanics.tier_pull import chase_pull

    rng = np.random.default_rng(12)
    thresholds = np.array([0.0, 500.0, 1500.0])
    tier = rng.integers(0, 3, N)
    total = rng.choice([0.0, 10.0, 400.0, 900.0, 2000.0], N)
    member, engaged, frustrated = (rng.random(N) < q for q in (0.7, 0.5, 0.1))
    status = rng.random(N)
    for start in (0.0, 0.5):
        got = chase_pull(tier, total, thresholds, member, engaged, frustrated, start, 0.3, status)
        top = thresholds.size - 1
        keep = thresholds[tier]
        goal = np.where(total < keep, keep, thresholds[np.minimum(tier + 1, top)])
        chasing = member & engaged & ~frustrated & ((tier < top) | (total < keep))
        with np.errstate(divide="ignore", invalid="ignore"):
            near = (total / goal - start) / (1.0 - start)
        pull = np.clip(np.nan_to_num(near), 0.0, 1.0)
        pull *= chasing
        pull *= 0.3
        pull *= status
        assert np.array_equal(got, pull)
        assert (got > 0).any()


@pytest.mark.parametrize("curvature", [1.0, 0.7, 2.0, 0.5])
@pytest.mark.parametrize("endowed", [False, True])
def test_goal_pull_matches_the_numpy_equations(curvature, endowed):
    """The compiled goal-gradient pull is the numpy sequence of docs/model.md §3 (as the
    rewards mechanic computed it before), bit for bit."""
    from loyalsim.mechanics.reward_kernels import felt_progress, goal_pull, scale_pull

    rng = np.random.default_rng(21)
    carry = np.where(rng.random(N) < 0.2, rng.random(N), 0.0)
    balance = rng.integers(0, 300, N)
    redeemed = np.where(rng.random(N) < 0.5, rng.integers(1, 50, N), 0)
    head_start = rng.integers(0, 3, N) if endowed else np.zeros(0, dtype=np.int64)
    target = rng.choice([100, 250], N)
    member, engaged, frustrated = (rng.random(N) < q for q in (0.7, 0.5, 0.1))
    value = rng.random(N)
    got_carry = carry.copy()
    got = felt_progress(got_carry, 0.97, balance, redeemed, head_start, 0.8, target)
    if curvature != 1.0:
        got **= curvature  # numpy's power, as the rewards mechanic does
    got = scale_pull(got, member, engaged, frustrated, 3.5, value)
    if curvature == 1.0:
        fused_carry = carry.copy()
        fused = goal_pull(fused_carry, 0.97, balance, redeemed, head_start, 0.8, target,
                          member, engaged, frustrated, 3.5, value)  # fmt: skip
        assert np.array_equal(fused, got) and np.array_equal(fused_carry, got_carry)
    carry *= 0.97
    bal = balance + np.where(redeemed == 0, 0.8 * head_start, 0.0) if endowed else balance
    pull = np.minimum(bal / target, 1.0)
    np.maximum(pull, carry, out=pull)
    if curvature != 1.0:
        pull **= curvature
    pull *= member & engaged & ~frustrated
    pulled = np.flatnonzero(pull)
    pull[pulled] *= 3.5 * value[pulled]
    assert np.array_equal(got_carry, carry)
    assert np.array_equal(got, pull)
    assert 0 < np.count_nonzero(got) < N


def test_scaled_gamma_is_the_gamma_over_the_rate(stream):
    rng = np.random.default_rng(30)
    shape, rate = rng.uniform(0.3, 8.0, N), rng.uniform(0.5, 3.0, N)
    idx = np.flatnonzero(rng.random(N) < 0.3)
    expected = stream.gamma(40, idx, shape[idx]) / rate[idx]
    assert np.array_equal(stream.gamma_scaled(40, idx, shape, rate), expected)


def test_known_gammas_are_copied_and_the_others_drawn(stream):
    rng = np.random.default_rng(32)
    shape, rate = rng.uniform(0.3, 8.0, N), rng.uniform(0.5, 3.0, N)
    idx = np.flatnonzero(rng.random(N) < 0.3)
    drawn = stream.gamma_scaled(41, idx, shape, rate)
    # known: part of today's customers and some who are not drawn today, with marked values
    known_idx = np.union1d(idx[rng.random(idx.size) < 0.8], np.flatnonzero(rng.random(N) < 0.05))
    marked = 1000.0 + np.arange(known_idx.size)
    got = stream.gamma_scaled(41, idx, shape, rate, (known_idx, marked))
    is_known = np.isin(idx, known_idx)
    assert np.array_equal(got[~is_known], drawn[~is_known])
    assert np.array_equal(got[is_known], marked[np.searchsorted(known_idx, idx[is_known])])
    truth = (known_idx, stream.gamma_scaled(41, known_idx, shape, rate))
    assert np.array_equal(stream.gamma_scaled(41, idx, shape, rate, truth), drawn)


def test_per_visitor_kernels_match_their_numpy_definitions():
    rng = np.random.default_rng(31)
    idx = np.flatnonzero(rng.random(N) < 0.2)
    member, engaged, frustrated = (rng.random(N) < q for q in (0.7, 0.5, 0.1))
    assert np.array_equal(
        kernels.tracking_at(member, engaged, frustrated, idx),
        (member & engaged & ~frustrated)[idx],
    )
    last, total, visits = np.zeros(N, dtype=np.int64), rng.random(N), np.zeros(N, dtype=np.int64)
    spend = rng.random(idx.size)
    expected_total = total.copy()
    expected_total[idx] += spend
    kernels.record_visits(idx, spend, 9, last, total, visits)
    assert np.array_equal(total, expected_total)
    assert np.array_equal(np.flatnonzero(last == 9), idx) and visits.sum() == idx.size
    issued, balance = np.zeros(N, dtype=np.int64), rng.integers(0, 9, N)
    activity = np.full(N, -1, dtype=np.int64)
    points = rng.integers(0, 3, idx.size)
    before = balance.copy()
    assert ledger_kernels.credit(idx, points, 4, issued, balance, activity) == points.sum()
    assert np.array_equal(balance - before, issued) and np.array_equal(issued[idx], points)
    assert np.array_equal(np.flatnonzero(activity == 4), idx[points > 0])


@pytest.mark.parametrize("with_goal", [False, True])
def test_churn_probability_matches_the_numpy_formula(with_goal):
    rng = np.random.default_rng(32)
    candidates = np.flatnonzero(rng.random(N) < 0.1)
    dropout, response = rng.uniform(0, 0.2, N), rng.uniform(0, 2, N)
    shift = np.where(rng.random(N) < 0.5, rng.normal(0, 0.3, N), 0.0)
    balance, target = rng.integers(0, 12, N), rng.choice([5, 9], N)
    member, engaged, frustrated = (rng.random(N) < q for q in (0.7, 0.5, 0.1))
    factor = np.exp(-0.8 * shift[candidates])
    got = kernels.churn_probability(candidates, dropout, factor, frustrated, 0.5, 0.9, response,
                                    balance, target if with_goal else np.empty(0, dtype=np.int64),
                                    member, engaged)  # fmt: skip
    prob = dropout[candidates].copy()
    prob *= factor
    prob *= 1.0 + 0.5 * frustrated[candidates]
    c = candidates
    progress = np.minimum(balance[c] / target[c], 1.0) if with_goal else np.zeros(c.size)
    lockin = 0.9 * response[c] * progress
    prob *= 1.0 - np.minimum(lockin * (member & engaged & ~frustrated)[c], 1.0)
    assert np.array_equal(got, prob)
    no_lockin = dropout[c] * factor * (1.0 + 0.5 * frustrated[c])
    assert (got < no_lockin).any() == with_goal


def test_leavers_are_the_draws_below_the_probability_times_the_visit_factor():
    """The engine's churn draw as numpy did it: the factors of the candidates among today's
    visitors that differ from 1 merged by ``searchsorted``, then uniforms below the product."""
    rng = np.random.default_rng(33)
    candidates = np.flatnonzero(rng.random(N) < 0.1)
    visitors = np.flatnonzero(rng.random(N) < 0.1)
    prob = rng.uniform(0, 0.3, candidates.size)
    factor = np.where(rng.random(visitors.size) < 0.3, rng.uniform(1, 3, visitors.size), 1.0)
    stream = CustomerStream(11, 2, "dropout", N)
    got = kernels.leavers(candidates, prob, visitors, factor, stream.keys, stream.counter(5))
    expected = prob.copy()
    changed = np.flatnonzero(factor != 1.0)
    pos = np.searchsorted(candidates, visitors[changed])
    hit = pos < candidates.size
    hit[hit] = candidates[pos[hit]] == visitors[changed[hit]]
    expected[pos[hit]] *= factor[changed[hit]]
    assert hit.sum() > 50 and not np.array_equal(expected, prob)
    assert np.array_equal(got, candidates[stream.uniform(5, candidates) < expected])


def test_the_redemption_plan_matches_the_numpy_rules():
    from loyalsim.mechanics.reward_kernels import plan_redemptions

    rng = np.random.default_rng(33)
    idx = np.flatnonzero(rng.random(N) < 0.3)
    balance, target = rng.integers(0, 300, N), rng.choice([100, 250], N)
    member, engaged, frustrated = (rng.random(N) < q for q in (0.9, 0.5, 0.1))
    ppv = np.where(rng.random(N) < 0.9, rng.uniform(0.5, 5, N), 0.0)
    rate = rng.uniform(0.01, 0.5, N)
    saved = np.zeros(N, dtype=bool)
    can, tracking, out = plan_redemptions(
        idx, balance, target, 100, member, engaged, frustrated, saved, ppv, rate, 60.0
    )
    bal, track = balance[idx], (member & engaged & ~frustrated)[idx]
    expected = np.where(track, bal >= target[idx], bal >= 100)
    assert np.array_equal(tracking, track) and np.array_equal(can, expected)
    assert np.array_equal(np.flatnonzero(saved), idx[track & ~expected & (bal >= 100)])
    short = idx[(bal < 100) & track & (ppv[idx] > 0)]
    expected_out = short[(100 - balance[short]) / (rate[short] * ppv[short]) > 60.0]
    assert np.array_equal(out, expected_out) and 0 < out.size < short.size


def test_stamps_match_the_numpy_visit_earning():
    rng = np.random.default_rng(34)
    idx = np.flatnonzero(rng.random(N) < 0.1)
    spend, transactions = rng.uniform(0, 8, idx.size), rng.integers(1, 3, idx.size)
    member, multiplier = rng.random(idx.size) < 0.7, rng.choice([1.0, 1.5, 1.25], N)
    earners, points = kernels.stamps(idx, spend, transactions, member, 2.0, 3, multiplier)
    earns = member & (spend / transactions >= 2.0)
    expected = np.floor(3 * transactions[earns] * multiplier[idx[earns]]).astype(np.int64)
    assert np.array_equal(earners, idx[earns]) and np.array_equal(points, expected)
    assert 0 < earners.size < idx.size


def test_debit_matches_the_numpy_ledger_and_refuses_overdrafts():
    rng = np.random.default_rng(35)
    idx = np.flatnonzero(rng.random(N) < 0.1)
    balance = rng.integers(0, 20, N)
    opening_left = np.minimum(rng.integers(0, 10, N), balance)
    points = np.minimum(rng.integers(0, 12, idx.size), balance[idx])
    account, activity = np.zeros(N, dtype=np.int64), np.full(N, -5, dtype=np.int64)
    expected_balance, expected_left = balance.copy(), opening_left.copy()
    expected_balance[idx] -= points
    take = np.minimum(points, opening_left[idx])
    expected_left[idx] -= take
    got = ledger_kernels.debit(idx, points, 7, account, balance, activity, opening_left)
    assert got == (points.sum(), take.sum()) and 0 < take.sum() < points.sum()
    assert np.array_equal(balance, expected_balance) and np.array_equal(account[idx], points)
    assert np.array_equal(opening_left, expected_left)
    assert np.array_equal(np.flatnonzero(activity == 7), idx[points > 0])
    before = balance.copy()
    too_much = balance[idx] + 1
    no_activity = np.empty(0, dtype=np.int64)
    refused = ledger_kernels.debit(idx, too_much, 8, account, balance, no_activity, opening_left)
    assert refused == (-1, -1)
    assert np.array_equal(balance, before)


def test_credit_refuses_negative_points_without_changing_anything():
    idx = np.array([1, 4], dtype=np.int64)
    issued, balance, activity = (np.zeros(6, dtype=np.int64) for _ in range(3))
    assert ledger_kernels.credit(idx, np.array([2, -1]), 3, issued, balance, activity) == -1
    assert not issued.any() and not balance.any() and not activity.any()


@pytest.mark.parametrize("scalar", [False, True])
def test_feel_is_the_numpy_bounded_step(scalar):
    rng = np.random.default_rng(36)
    base, shift = rng.uniform(0, 1, N), rng.normal(0, 0.3, N)
    idx = rng.choice(N, 3000)  # repeats too: numpy's shift[idx] += step keeps the last
    size = np.array([-0.2]) if scalar else rng.uniform(-0.5, 0.5, idx.size)
    a = np.clip(base[idx] + shift[idx], 0.0, 1.0)
    s = size[0] if scalar else size
    expected = shift.copy()
    expected[idx] += np.where(np.asarray(s) >= 0, s * (1.0 - a), s * a)
    kernels.feel(idx, size, base, shift)
    assert np.array_equal(shift, expected)


def test_redemption_draw_and_settlement_match_the_numpy_rules():
    from loyalsim.mechanics import reward_kernels

    rng = np.random.default_rng(37)
    points = np.array([5, 9, 20], dtype=np.int64)
    value, cost = np.array([2.0, 4.5, 0.0]), np.array([0.5, 1.1, 3.0])
    is_voucher, is_experience = np.array([False, True, True]), np.array([False, False, True])
    best_upto = np.array([[0, 1, 1], [0, 0, 2]])
    segment = rng.integers(0, 2, N)
    balance, target = rng.integers(5, 30, N), rng.integers(0, 3, N)
    idx = np.flatnonzero(rng.random(N) < 0.2)
    tracking = rng.random(idx.size) < 0.5
    stream = CustomerStream(11, 2, "redemption", N)
    go, choice = reward_kernels.draw_redemptions(
        idx, tracking, balance, points, target, best_upto, segment, is_voucher, 0.9, 0.25, 1.5,
        stream.keys, stream.counter(4),
    )  # fmt: skip
    affordable = np.searchsorted(points, balance[idx], side="right") - 1
    chosen = np.where(tracking, target[idx], best_upto[segment[idx], affordable])
    chance = np.where(tracking, 0.9, 0.25)
    v = is_voucher[chosen]
    chance[v] = -np.expm1(1.5 * np.log1p(-np.minimum(chance[v], 1 - 1e-12)))
    redeems = stream.uniform(4, idx) < chance
    assert np.array_equal(go, np.flatnonzero(redeems)) and np.array_equal(choice, chosen[redeems])
    assert 0 < go.size < idx.size and set(choice) == {0, 1, 2}
    n = 2 * go.size
    rows = np.sort(rng.choice(n, go.size, replace=False))
    who, track = idx[go], tracking[go]
    spend, discount = rng.uniform(0, 6, n), np.zeros(n)
    redeemed, reward, factor = np.zeros(n, dtype=bool), np.full(n, -1, np.int16), np.ones(n)
    carry, displacement = np.zeros(N), np.array([0.75, 1.0, 0.0])
    type_gain, taste = np.array([1.0, 0.5, 2.0]), rng.uniform(0.5, 1.5, (2, 3))
    seeking = rng.uniform(0, 1, N)
    spend0 = spend.copy()
    costs, gains = reward_kernels.settle_redemptions(
        rows, who, choice, track, spend, discount, redeemed, reward, factor, carry, 0.3, 0.2,
        displacement, value, cost, is_voucher, 0.65, type_gain, taste, segment, is_experience,
        seeking, 0.4,
    )  # fmt: skip
    off = np.minimum(spend0[rows], displacement[choice] * value[choice])
    assert np.array_equal(spend[rows], spend0[rows] - off) and np.array_equal(discount[rows], off)
    expected_cost = cost[choice].copy()
    vo = is_voucher[choice]
    val = value[choice[vo]]
    used = np.divide(off[vo], val, out=np.ones(val.size), where=val > 0)
    expected_cost[vo] = np.maximum(expected_cost[vo] * used - off[vo] * 0.65, 0.0)
    assert np.array_equal(costs, expected_cost)
    gain = type_gain[choice] * taste[segment[who], choice]
    ex = is_experience[choice]
    gain[ex] *= 2.0 * seeking[who[ex]]
    assert np.array_equal(gains, np.clip(0.4 * gain, 0, 1))
    assert np.array_equal(np.flatnonzero(redeemed), rows) and np.array_equal(reward[rows], choice)
    assert np.array_equal(np.flatnonzero(factor != 1.0), rows[track])
    assert np.all(factor[rows[track]] == 1.2) and np.all(carry[who] == 0.3)


@pytest.mark.parametrize("half", [0.0, 20.0])
def test_joiners_match_the_numpy_enrolment_rule(half):
    from loyalsim.mechanics.enrolment_kernels import joiners

    rng = np.random.default_rng(38)
    idx = np.flatnonzero(rng.random(N) < 0.1)
    member = rng.random(idx.size) < 0.4
    propensity, rate = rng.beta(2, 6, N), rng.gamma(1.2, 0.2, N)
    ppv, vpp = np.full(N, 1.0), rng.uniform(0.2, 0.6, N)
    pull = rng.gamma(4, 0.25, N)
    stream = CustomerStream(11, 2, "enrolment", N)
    counters = stream.counter(6), stream.counter(0, 2)
    rows, who = joiners(idx, member, propensity, 1.5, stream.keys, *counters, half, rate, ppv, vpp,
                        pull)  # fmt: skip
    cand = np.flatnonzero(~member)
    i = idx[cand]
    joins = stream.uniform(6, i) < propensity[i] * 1.5
    if half:
        benefit = 365.0 * rate[i] * ppv[i]
        benefit *= vpp[i] * pull[i]
        joins &= stream.uniform(0, i, sub=2) < benefit / (benefit + half)
    assert np.array_equal(rows, cand[joins]) and np.array_equal(who, i[joins])
    assert 0 < who.size < i.size


def test_decay_is_numpy_any_then_multiply():
    rng = np.random.default_rng(40)
    values = np.where(rng.random(N) < 0.1, rng.normal(0, 1, N), 0.0)
    expected = values * 0.99
    assert kernels.decay(values, 0.99) and np.array_equal(values, expected)
    zeros = np.zeros(N)
    assert not kernels.decay(zeros, 0.99) and not zeros.any()


def test_scatter_add_is_numpy_add_at_also_with_repeated_indices():
    rng = np.random.default_rng(41)
    idx = rng.integers(0, 500, 5_000)
    values = rng.normal(0, 1, idx.size)
    got, expected = rng.normal(0, 1, 500), np.zeros(500)
    expected[:] = got
    np.add.at(expected, idx, values)
    ledger_kernels.scatter_add(got, idx, values)
    assert np.array_equal(got, expected)
