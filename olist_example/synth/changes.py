"""One changed row: a customer who moved, a product whose attributes were corrected, a seller who relocated.

The real snapshot holds one state per key, so the synthetic change batches invent plausible later
states.  Every function here takes the key's current row and returns a new row that differs from it
in at least one satellite column (a real change, never a re-delivery), and draws its randomness from
``(seed, batch, key)`` alone: the same key changed in the same batch always gets the same new row,
whatever else is generated.

Locations are drawn from the same measured geography as the snapshot (customers from the customer
distribution over zip sectors, sellers from the seller one) and only among the zip prefixes that the
snapshot's geolocation file describes, so a new address still resolves there.  How often each kind of
product correction happens is not in the data (it has no history); ``CORRECTION_KINDS`` is a choice.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from . import profile
from .catalog import DIMENSION_FOLLOWS_WEIGHT
from .geo import Geography, format_prefix
from .sampling import Discrete, Quantiles

#: Relative frequency of the corrections of a product that has all its attributes: the package
#: re-measured (weight and the three dimensions), the photos, the name or description length,
#: or a new category.
CORRECTION_KINDS: tuple[tuple[str, float], ...] = (
    ("dimensions", 0.35), ("photos", 0.25), ("name", 0.15), ("description", 0.10), ("category", 0.15),
)
#: Draws of a location before falling back to scanning the prefixes in use (tiny data sets only).
LOCATION_TRIES = 200
#: Draws of a new value that must differ from the current one before nudging the number by one.
VALUE_TRIES = 20

PrefixDraw = Callable[[float, float], int]


class ChangeMaker:
    """Makes the changed rows of one synthetic data set (one seed, one set of zip prefixes in use)."""

    def __init__(self, seed: int, geo: Geography, prefixes_in_use: bytearray) -> None:
        self.seed = seed
        self.geo = geo
        self._in_use = prefixes_in_use
        self._kinds = Discrete(CORRECTION_KINDS)
        self._category = Discrete((c[0], float(c[2])) for c in profile.CATEGORIES)
        self._weight = Quantiles(profile.PCTS, profile.PRODUCT_WEIGHT_G)
        self._sizes = tuple(Quantiles(profile.PCTS, q) for q in (
            profile.PRODUCT_LENGTH_CM, profile.PRODUCT_HEIGHT_CM, profile.PRODUCT_WIDTH_CM))
        self._name_len = Quantiles(profile.PCTS, profile.PRODUCT_NAME_LEN)
        self._desc_len = Quantiles(profile.PCTS, profile.PRODUCT_DESCRIPTION_LEN)
        self._photos = Discrete((n, float(c)) for n, c in profile.PRODUCT_PHOTOS)

    def _rng(self, kind: str, batch: int, key: str) -> random.Random:
        return random.Random(f"{self.seed}:change:{batch}:{kind}:{key}")

    # ---- locations ------------------------------------------------------------------------

    def _new_prefix(self, draw: PrefixDraw, current: int, rng: random.Random) -> int:
        """A zip prefix other than ``current``, from ``draw``'s distribution, among the prefixes in use."""
        in_use = self._in_use
        for _ in range(LOCATION_TRIES):
            prefix = draw(rng.random(), rng.random())
            if prefix != current and in_use[prefix]:
                return prefix
        # The distribution hardly meets the prefixes in use (a data set of a few orders): take the
        # next prefix in use after a random point instead.
        start = rng.randrange(len(in_use))
        for step in range(len(in_use)):
            prefix = (start + step) % len(in_use)
            if prefix != current and in_use[prefix]:
                return prefix
        # One prefix in use at all: a new place is only possible outside the geolocation file.
        while True:
            prefix = draw(rng.random(), rng.random())
            if prefix != current:
                return prefix

    def _location(self, draw: PrefixDraw, current: str, rng: random.Random) -> list[str]:
        prefix = self._new_prefix(draw, int(current), rng)
        city, state = self.geo.place(prefix)
        return [format_prefix(prefix), city, state]

    def moved_customer(self, row: Sequence[str], batch: int) -> list[str]:
        """``customer_id, customer_unique_id, zip, city, state`` with the person's new address."""
        rng = self._rng("customer", batch, row[1])
        return [row[0], row[1], *self._location(self.geo.customer_prefix, row[2], rng)]

    def relocated_seller(self, row: Sequence[str], batch: int) -> list[str]:
        """``seller_id, zip, city, state`` with the seller's new address."""
        rng = self._rng("seller", batch, row[0])
        return [row[0], *self._location(self.geo.seller_prefix, row[1], rng)]

    # ---- products -------------------------------------------------------------------------

    def corrected_product(self, row: Sequence[str], batch: int) -> list[str]:
        """The products-file row with one kind of correction applied (see ``CORRECTION_KINDS``).

        A product without a category (and so without name, description and photos) gets them
        filled in; one without dimensions gets them measured; any other gets a correction of a
        kind drawn from ``CORRECTION_KINDS``.
        """
        rng = self._rng("product", batch, row[0])
        new = list(row)
        if not row[1]:
            new[1] = self._category.at(rng.random())
            new[2] = _int(self._name_len.at(rng.random()))
            new[3] = _int(self._desc_len.at(rng.random()))
            new[4] = str(self._photos.at(rng.random()))
            return new
        if not row[5]:
            new[5:9] = self._dimensions(rng)
            return new
        kind = self._kinds.at(rng.random())
        if kind == "dimensions":
            for _ in range(VALUE_TRIES):
                new[5:9] = self._dimensions(rng)
                if new[5:9] != list(row[5:9]):
                    return new
            new[5] = str(int(row[5]) + 1)
        elif kind == "category":
            new[1] = _differing(lambda: self._category.at(rng.random()), row[1])
        else:
            column, draw = {
                "photos": (4, lambda: str(self._photos.at(rng.random()))),
                "name": (2, lambda: _int(self._name_len.at(rng.random()))),
                "description": (3, lambda: _int(self._desc_len.at(rng.random()))),
            }[kind]
            new[column] = _differing(draw, row[column])
        return new

    def _dimensions(self, rng: random.Random) -> list[str]:
        """Weight, length, height and width, the sizes following the weight's rank as in the snapshot."""
        u_weight = rng.random()
        out = [_int(self._weight.at(u_weight))]
        for sizes in self._sizes:
            v = rng.random()
            p = DIMENSION_FOLLOWS_WEIGHT
            out.append(_int(sizes.at(u_weight if v < p else (v - p) / (1 - p))))
        return out


def _int(value: float) -> str:
    return str(int(round(value)))


def _differing(draw: Callable[[], str], current: str) -> str:
    """A drawn value other than ``current``; a number nudged by one if the draws keep hitting it."""
    for _ in range(VALUE_TRIES):
        value = draw()
        if value != current:
            return value
    if current.isdigit():
        return str(int(current) + 1)
    raise ValueError(f"no value other than {current!r} could be drawn")  # the tables hold many values
