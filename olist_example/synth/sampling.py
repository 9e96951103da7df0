"""Deterministic sampling primitives: inverse-CDF tables, weighted choices, hashed ids and floats.

Everything here is pure: randomness comes in as uniform floats in ``[0, 1)`` drawn by the caller
from a seeded ``random.Random`` or from :func:`unit_floats` (a hash of a key), so that entities
identified by an index (products, sellers, customers) can be regenerated on demand without
keeping them in memory.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import math
import random
from collections.abc import Callable, Iterable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")

_SCALE_32 = 1.0 / 4294967296.0


class Quantiles:
    """Inverse CDF given by values at increasing probabilities, linear in between, clamped at the ends."""

    __slots__ = ("_p", "_v")

    def __init__(self, pcts: Sequence[float], values: Sequence[float]) -> None:
        if len(pcts) != len(values) or len(pcts) < 2:
            raise ValueError("quantile table needs matching probabilities and values (>= 2)")
        self._p = tuple(pcts)
        self._v = tuple(float(v) for v in values)

    def at(self, u: float) -> float:
        """Value at probability ``u`` (``u`` in ``[0, 1)``)."""
        p = self._p
        if u <= p[0]:
            return self._v[0]
        i = bisect.bisect_right(p, u)
        if i >= len(p):
            return self._v[-1]
        p0, p1 = p[i - 1], p[i]
        v0 = self._v[i - 1]
        return v0 + (self._v[i] - v0) * (u - p0) / (p1 - p0)


class Discrete(Generic[T]):
    """Weighted choice among values, from ``(value, weight)`` pairs."""

    __slots__ = ("_values", "_cum", "_total")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        values: list[T] = []
        cum: list[float] = []
        total = 0.0
        for value, weight in pairs:
            if weight < 0:
                raise ValueError("negative weight")
            total += weight
            values.append(value)
            cum.append(total)
        if total <= 0:
            raise ValueError("weights must not all be zero")
        self._values = tuple(values)
        self._cum = tuple(cum)
        self._total = total

    @property
    def values(self) -> tuple[T, ...]:
        """The possible values, in table order."""
        return self._values

    def at(self, u: float) -> T:
        """Value whose cumulative weight interval contains ``u * total``."""
        i = bisect.bisect_right(self._cum, u * self._total)
        return self._values[min(i, len(self._values) - 1)]

    def mean(self) -> float:
        """Weighted mean (numeric values only)."""
        prev = 0.0
        acc = 0.0
        for value, c in zip(self._values, self._cum, strict=False):
            acc += float(value) * (c - prev)  # type: ignore[arg-type]
            prev = c
        return acc / self._total


def rate(pair: tuple[int, int]) -> float:
    """A ``(hits, total)`` pair as a probability."""
    hits, total = pair
    return hits / total if total else 0.0


def unit_floats(key: str, n: int) -> list[float]:
    """``n`` (<= 16) uniform floats in ``[0, 1)`` derived from ``key`` by BLAKE2b."""
    digest = hashlib.blake2b(key.encode(), digest_size=4 * n).digest()
    return [int.from_bytes(digest[4 * i:4 * i + 4], "little") * _SCALE_32 for i in range(n)]


def hashed_id(key: str) -> str:
    """A 32-char lowercase hex id derived from ``key`` (MD5, like the Olist ids look)."""
    return hashlib.md5(key.encode()).hexdigest()


def skewed_index(n: int, u: float, power: float) -> int:
    """Index in ``[0, n)`` favouring low indices: ``floor(n * u**power)``."""
    return min(n - 1, int(n * u**power))


def zipf_rank(u: float, n: int, exponent: float, offset: float) -> int:
    """Rank in ``[0, n)`` with density ``~ (rank + offset) ** -exponent`` (continuous inverse CDF)."""
    if abs(exponent - 1.0) < 1e-9:
        lo, hi = math.log(offset), math.log(n + offset)
        x = math.exp(lo + u * (hi - lo)) - offset
    else:
        e = 1.0 - exponent
        lo, hi = offset**e, (n + offset) ** e
        x = (lo + u * (hi - lo)) ** (1.0 / e) - offset
    return min(n - 1, max(0, int(x)))


class RankPicker:
    """Zipf-Mandelbrot popularity over ``n`` indexed entities, in a pseudo-random order.

    Popularity rank ``r`` belongs to entity ``(a * r + b) % n`` (a bijection, ``gcd(a, n) == 1``),
    so the popular entities are spread over the index range instead of being the oldest ones.
    :meth:`pick` only returns entities below ``available`` (already introduced): a rank whose
    entity does not exist yet is redrawn, up to ``tries`` times, then a uniform one is taken.
    The offset is stretched by ``n / available`` so that, among the entities available so far,
    popularity has the same Zipf shape whatever their number (otherwise the few best-ranked early
    entities would take most of the early sales).
    """

    __slots__ = ("n", "exponent", "offset", "tries", "_a", "_b")

    def __init__(self, n: int, exponent: float, offset: float, rng: random.Random, tries: int = 30) -> None:
        self.n = max(1, n)
        self.exponent = exponent
        self.offset = offset
        self.tries = tries
        a = rng.randrange(1, self.n) if self.n > 1 else 1
        while math.gcd(a, self.n) != 1:
            a = a % (self.n - 1) + 1
        self._a = a
        self._b = rng.randrange(self.n)

    def entity(self, rank: int) -> int:
        """The entity index holding popularity ``rank``."""
        return (self._a * rank + self._b) % self.n

    def pick(self, draw: Callable[[], float], available: int) -> int:
        """A popular entity among indices ``[0, available)``, drawing uniforms from ``draw``."""
        if available <= 1:
            return 0
        offset = self.offset * self.n / min(available, self.n)
        for _ in range(self.tries):
            j = self.entity(zipf_rank(draw(), self.n, self.exponent, offset))
            if j < available:
                return j
        return min(available - 1, int(draw() * available))


# ---- timestamps as integer seconds since 1970-01-01 (naive, no time zone) -------------------

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_DATE_TEXT: dict[int, str] = {}


def day_number(date: dt.date) -> int:
    """Days since 1970-01-01."""
    return date.toordinal() - _EPOCH_ORDINAL


def date_of(day: int) -> dt.date:
    """Inverse of :func:`day_number`."""
    return dt.date.fromordinal(day + _EPOCH_ORDINAL)


def parse_ts(text: str) -> int:
    """``YYYY-MM-DD[ HH:MM:SS]`` -> seconds since the epoch."""
    moment = dt.datetime.fromisoformat(text)
    return day_number(moment.date()) * 86400 + moment.hour * 3600 + moment.minute * 60 + moment.second


def format_date(day: int) -> str:
    """Day number -> ``YYYY-MM-DD`` (cached; the set of days is bounded by the calendar)."""
    text = _DATE_TEXT.get(day)
    if text is None:
        text = _DATE_TEXT[day] = date_of(day).isoformat()
    return text


def format_ts(seconds: int) -> str:
    """Seconds since the epoch -> ``YYYY-MM-DD HH:MM:SS``."""
    day, rem = divmod(seconds, 86400)
    hour, rem = divmod(rem, 3600)
    minute, second = divmod(rem, 60)
    return f"{format_date(day)} {hour:02d}:{minute:02d}:{second:02d}"


def format_money(cents: int) -> str:
    """Integer cents -> ``123.45`` (always two decimals)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole}.{frac:02d}"
