"""Brazilian geography for the synthetic data: zip prefixes, their city/state and coordinates.

The country is modelled by 3-digit zip sectors measured from the public data (``ZIP3_TABLE``):
each sector has a state, a centroid, weights for customers and sellers, the number of distinct
5-digit prefixes seen in it, and its main cities.  A 5-digit prefix is one of ``n_prefixes`` slots
spread evenly over the sector's 100 suffixes; its city is fixed by where the suffix falls in the
cities' shares, so a prefix always maps to one (city, state) in every file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import profile
from .sampling import Discrete


@dataclass(frozen=True)
class Sector:
    """One 3-digit zip sector."""

    zip3: int
    state: str
    lat: float
    lng: float
    n_prefixes: int
    city_bounds: tuple[tuple[float, str], ...]  # (cumulative share upper bound, city)

    def city_at(self, fraction: float) -> str:
        """City whose share interval contains ``fraction`` in ``[0, 1)``."""
        for bound, city in self.city_bounds:
            if fraction < bound:
                return city
        return self.city_bounds[-1][1]


class Geography:
    """Picks zip prefixes for customers and sellers and describes any prefix it produced."""

    def __init__(self) -> None:
        sectors: list[Sector] = []
        cust: list[tuple[int, float]] = []
        sell: list[tuple[int, float]] = []
        for i, (zip3, state, lat, lng, n_cust, n_sell, n_pref, cities) in enumerate(profile.ZIP3_TABLE):
            total = sum(share for _, share in cities)
            acc = 0.0
            bounds = []
            for city, share in cities:
                acc += share / total
                bounds.append((acc, city))
            sectors.append(Sector(int(zip3), state, lat, lng, max(1, n_pref), tuple(bounds)))
            cust.append((i, float(n_cust)))
            sell.append((i, float(n_sell)))
        self._sectors = tuple(sectors)
        self._by_zip3 = {s.zip3: s for s in sectors}
        self._customer = Discrete(cust)
        self._seller = Discrete(sell)

    def _prefix(self, sector: Sector, u: float) -> int:
        slot = min(sector.n_prefixes - 1, int(u * sector.n_prefixes))
        return sector.zip3 * 100 + slot * 100 // sector.n_prefixes

    def customer_prefix(self, u_sector: float, u_slot: float) -> int:
        """A customer zip prefix (as an int < 100000) from two uniforms."""
        return self._prefix(self._sectors[self._customer.at(u_sector)], u_slot)

    def seller_prefix(self, u_sector: float, u_slot: float) -> int:
        """A seller zip prefix (sellers concentrate differently from customers, mostly in SP)."""
        return self._prefix(self._sectors[self._seller.at(u_sector)], u_slot)

    def place(self, prefix: int) -> tuple[str, str]:
        """(city, state) of a prefix produced by this geography."""
        sector = self._by_zip3[prefix // 100]
        return sector.city_at((prefix % 100 + 0.5) / 100), sector.state

    def points(self, prefix: int, seed: int) -> list[tuple[float, float]]:
        """Deterministic (lat, lng) points for a prefix: ~10 around a centre near the sector centroid."""
        sector = self._by_zip3[prefix // 100]
        rng = random.Random(f"{seed}:geo:{prefix}")
        spread = profile.GEO_PREFIX_SD_DEG
        lat0 = sector.lat + rng.gauss(0.0, spread)
        lng0 = sector.lng + rng.gauss(0.0, spread)
        count = 1 + min(59, int(rng.expovariate(1.0 / 9.0)))
        sd = profile.GEO_POINT_SD_DEG
        return [(lat0 + rng.gauss(0.0, sd), lng0 + rng.gauss(0.0, sd)) for _ in range(count)]


def format_prefix(prefix: int) -> str:
    """Zip prefix as the 5-digit zero-padded string used in every file."""
    return f"{prefix:05d}"
