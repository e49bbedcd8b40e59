"""Random streams with common random numbers built in.

One root :class:`numpy.random.SeedSequence` per run seed. Replication ``r`` and purpose
``name`` get a child sequence ``SeedSequence(seed, spawn_key=(r, crc32(name)))``, so a
replication is the same whatever the number of replications, and adding a purpose shifts
no other stream.

Per-customer randomness is *counter based*: the uniform that customer ``i`` sees on day
``t`` for a purpose is ``mix(h_i + (t * SUBS + j) * GOLDEN)`` (SplitMix64), where
``h_i = mix(mix((i + 1) * GOLDEN ^ key))`` is a per-customer key derived from the purpose key
(computed once per stream and kept, :attr:`CustomerStream.keys`). A draw therefore depends only on
(seed, replication, purpose, customer, day, sub-draw), never on how many draws other
customers or other designs made. Two designs run on the same replication see the same
customers and the same luck (common random numbers), and draws can be made for any subset
of customers at a cost proportional to the subset.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

SUBS_PER_DAY = 64
"""Independent sub-draws available per customer, day and purpose."""


def purpose_id(name: str) -> int:
    """Stable 32-bit id of a stream name (crc32, never Python's salted ``hash``)."""
    return zlib.crc32(name.encode("utf-8"))


def seed_sequence(seed: int, replication: int, name: str) -> np.random.SeedSequence:
    """The child seed sequence of one replication and purpose."""
    return np.random.SeedSequence(seed, spawn_key=(replication, purpose_id(name)))


def generator(seed: int, replication: int, name: str) -> np.random.Generator:
    """A classic sequential generator for one-off draws (population traits)."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, replication, name)))


class CustomerStream:
    """Counter-based uniforms, normals and gammas per (customer, day, sub-draw)."""

    def __init__(self, seed: int, replication: int, name: str, size: int) -> None:
        self._key = seed_sequence(seed, replication, name).generate_state(1, dtype=np.uint64)[0]
        self.size = size
        self._keys: np.ndarray | None = None

    @property
    def keys(self) -> np.ndarray:
        """Every customer's key ``h_i`` in this stream (computed on first use, then shared by
        the arms of the replication), for kernels that draw its uniforms in their own pass:
        loading a key is cheaper than hashing it again every day."""
        if self._keys is None:
            from loyalsim.engine import kernels  # compiled: loads Numba on first draw

            self._keys = kernels.customer_keys(self._key, self.size)
        return self._keys

    @staticmethod
    def counter(day: int, sub: int = 0) -> np.uint64:
        """The counter of sub-draw ``sub`` on ``day`` (see :func:`loyalsim.engine.kernels.unit`)."""
        if not 0 <= sub < SUBS_PER_DAY:
            raise ValueError(f"sub-draw {sub} outside 0..{SUBS_PER_DAY - 1}")
        return np.uint64((day * SUBS_PER_DAY + sub) & 0xFFFFFFFFFFFFFFFF)

    def uniform(self, day: int, idx: np.ndarray | None = None, sub: int = 0) -> np.ndarray:
        """Uniforms in [0, 1) for customers ``idx`` (all if None) on ``day``."""
        from loyalsim.engine import kernels  # compiled: loads Numba on first draw

        counter = self.counter(day, sub)
        if idx is None:
            return kernels.uniform_all(self.keys, counter)
        return kernels.uniform_at(self.keys, _indices(idx), counter)

    def exponential(self, day: int, idx: np.ndarray | None = None, sub: int = 0) -> np.ndarray:
        """Unit exponentials ``-log(1 - u)``: an event of rate ``x`` happens iff ``e < x``."""
        e = self.uniform(day, idx, sub)
        np.negative(e, out=e)
        np.log1p(e, out=e)
        np.negative(e, out=e)
        return e

    def visit_clock(
        self,
        day: int,
        live_rate: np.ndarray,
        season: float,
        multiplier: np.ndarray | VisitPressure | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(visitors, base-clock ticks) today: customer ``i``'s exponential (sub-draw 0) below
        ``live_rate * season * multiplier`` and below ``live_rate * season`` (no multiplier:
        no program). Same draws as :meth:`exponential`, in one compiled pass; a
        :class:`VisitPressure` computes the multiplier in that pass, for alive customers only."""
        from loyalsim.engine import kernels  # compiled: loads Numba on first draw

        counter = self.counter(day, 0)
        if isinstance(multiplier, VisitPressure):
            p = multiplier
            return kernels.pressure_visit_clock(
                self.keys, counter, live_rate, season, p.lift, p.membership_lift,
                p.can_earn, p.pull, p.member, p.shift, p.theta, p.headroom, p.clamp,
            )  # fmt: skip
        factor = _NO_PROGRAM if multiplier is None else multiplier
        return kernels.visit_clock(self.keys, counter, live_rate, season, factor)

    def normal(self, day: int, idx: np.ndarray, sub: int = 0) -> np.ndarray:
        """Standard normals by inversion (so one uniform gives one normal)."""
        from loyalsim.engine import kernels  # compiled: loads Numba on first draw

        return kernels.normal_at(self.keys, _indices(idx), self.counter(day, sub))

    def gamma(
        self, day: int, idx: np.ndarray, shape: np.ndarray | float, first_sub: int = 0
    ) -> np.ndarray:
        """Gamma(shape, 1) variates by Marsaglia & Tsang (2000), exact and counter based.

        Attempt ``k`` of customer ``i`` uses sub-draws ``first_sub + 2k`` and ``+ 2k + 1``,
        so the result is independent of which other customers are drawn. Shapes below 1
        use the boost ``G(a) = G(a + 1) * U**(1/a)`` with one more sub-draw.
        """
        from loyalsim.engine import kernels  # compiled: loads Numba on first draw

        idx = _indices(idx)
        shape = np.broadcast_to(np.asarray(shape, dtype=np.float64), idx.shape)
        shape = np.ascontiguousarray(shape)
        out = kernels.gamma_at(
            self.keys, idx, shape, self.counter(day, 0), first_sub, SUBS_PER_DAY - 1
        )
        if (out < 0).any():
            raise RuntimeError("gamma sampler ran out of sub-draws")
        return out

    def gamma_scaled(
        self,
        day: int,
        idx: np.ndarray,
        shape: np.ndarray,
        rate: np.ndarray,
        known: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """``gamma(day, idx, shape[idx]) / rate[idx]`` (``shape`` and ``rate`` hold one entry
        per customer), gathered and divided in the sampler's pass. ``known`` = (customers
        ascending, their variates of this day drawn before with the same ``shape`` and
        ``rate``): those are copied, not drawn again (same bits)."""
        from loyalsim.engine import kernels  # compiled: loads Numba on first draw

        known_idx, known_values = _NONE_KNOWN if known is None else known
        out = kernels.gamma_scaled_at(
            self.keys, _indices(idx), shape, rate, self.counter(day, 0), 0, SUBS_PER_DAY - 1,
            known_idx, known_values,
        )  # fmt: skip
        if (out < 0).any():
            raise RuntimeError("gamma sampler ran out of sub-draws")
        return out


_NO_PROGRAM = np.empty(0)
_NONE_KNOWN = (np.empty(0, dtype=np.int64), np.empty(0))


@dataclass(frozen=True)
class VisitPressure:
    """What the program's visit multiplier of the day is made of (docs/model.md §3):
    ``1 + headroom * (member * pull * (membership_lift * can_earn + lift) + theta * shift)``,
    floored at 0 when ``clamp``; an empty ``lift`` means no mechanic lift."""

    lift: np.ndarray
    membership_lift: float
    can_earn: np.ndarray
    pull: np.ndarray
    member: np.ndarray
    shift: np.ndarray
    theta: float
    headroom: np.ndarray
    clamp: bool


def _indices(idx: np.ndarray) -> np.ndarray:
    """Customer indices as the int64 array the kernels take."""
    return np.ascontiguousarray(idx, dtype=np.int64)
