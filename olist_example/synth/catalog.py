"""Index-addressed entities: products, sellers and (unique) customers.

Nothing is stored per entity (only a bounded LRU cache of recently used products).  Entity ``i``
is a pure function of ``(seed, i)``: its id is ``md5(f"{seed}:<kind>:{i}")`` and its attributes
come from a BLAKE2b hash of the same key, so the order stream can refer to product 17 now and the
products file can describe it later.

Products are *introduced* in index order while orders are generated (see ``orders.py``), and each
product introduces a new seller every ``n_products / n_sellers`` products (otherwise it belongs to
a popular earlier seller).  The products file then holds exactly the products that were sold, and
the sellers file exactly the sellers of those products, each of which has sold something.
"""

from __future__ import annotations

import bisect
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass

from . import profile
from .geo import Geography, format_prefix
from .sampling import Discrete, Quantiles, RankPicker, hashed_id, rate, unit_floats

#: Zipf-Mandelbrot (exponent, offset) of repeat sales over products.  Tuned by simulation so that,
#: at scale 1, the products sold once (~18k of 32,951) and the best seller (~400-650 items) match
#: ``profile.PRODUCT_SALES_ONCE`` (18,117) and ``PRODUCT_SALES_MAX`` (527).
PRODUCT_POPULARITY = (1.03, 16.0)
#: Zipf-Mandelbrot (exponent, offset) of the product -> seller assignment, tuned against
#: ``profile.SELLER_SALES_ONCE`` (509 sellers with one item) and ``SELLER_SALES_MAX`` (2,033).
SELLER_POPULARITY = (1.1, 15.0)
#: Probability that a product dimension follows the weight's rank instead of being independent.
DIMENSION_FOLLOWS_WEIGHT = 0.6


@dataclass(frozen=True, slots=True)
class Product:
    """What the order stream needs to know about a product."""

    index: int
    product_id: str
    seller: int
    seller_id: str
    price_cents: int
    freight_bucket: int


class Catalog:
    """Deterministic products, sellers and unique customers for one ``(seed, scale)``."""

    def __init__(self, seed: int, n_products: int, n_sellers: int, geo: Geography) -> None:
        self.seed = seed
        self.n_products = max(1, n_products)
        self.n_sellers = max(1, min(n_sellers, self.n_products))
        self.geo = geo
        cats = profile.CATEGORIES
        self._category_names = tuple(c[0] for c in cats)
        self._category = Discrete((i, float(c[2])) for i, c in enumerate(cats))
        self._price = tuple(Quantiles(profile.PRICE_PCTS, c[3]) for c in cats)
        untranslated = [i for i, c in enumerate(cats) if c[1] is None]
        mid = self.n_products // 2
        # like the real data, the untranslated categories are used by some products
        self._forced = {mid + k: cat for k, cat in enumerate(untranslated)} if self.n_products >= 4 else {}
        self._null_category = rate(profile.PRODUCT_NULL_CATEGORY)
        self._null_dims = rate(profile.PRODUCT_NULL_DIMENSIONS)
        self._cents = Discrete((int(c), float(n)) for c, n in profile.PRICE_CENTS)
        self._weight = Quantiles(profile.PCTS, profile.PRODUCT_WEIGHT_G)
        self._length = Quantiles(profile.PCTS, profile.PRODUCT_LENGTH_CM)
        self._height = Quantiles(profile.PCTS, profile.PRODUCT_HEIGHT_CM)
        self._width = Quantiles(profile.PCTS, profile.PRODUCT_WIDTH_CM)
        self._name_len = Quantiles(profile.PCTS, profile.PRODUCT_NAME_LEN)
        self._desc_len = Quantiles(profile.PCTS, profile.PRODUCT_DESCRIPTION_LEN)
        self._photos = Discrete((n, float(c)) for n, c in profile.PRODUCT_PHOTOS)
        self._product_rank = RankPicker(self.n_products, *PRODUCT_POPULARITY, random.Random(f"{seed}:product-rank"))
        self._seller_rank = RankPicker(self.n_sellers, *SELLER_POPULARITY, random.Random(f"{seed}:seller-rank"),
                                       tries=15)
        self.product = functools.lru_cache(maxsize=4096)(self._product)

    # ---- products ----------------------------------------------------------------------

    def _floats(self, i: int) -> list[float]:
        return unit_floats(f"{self.seed}:product:{i}", 12)

    def _category_of(self, i: int, u: list[float]) -> int:
        forced = self._forced.get(i)
        return forced if forced is not None else self._category.at(u[0])

    def _weight_of(self, u: list[float]) -> int | None:
        if u[1] >= 1.0 - self._null_dims:
            return None
        return int(round(self._weight.at(u[4])))

    def _product(self, i: int) -> Product:
        u = self._floats(i)
        cat = self._category_of(i, u)
        base = self._price[cat].at(u[2])
        cents = max(85, int(base) * 100 + self._cents.at(u[3]))
        weight = self._weight_of(u)
        bucket = 2 if weight is None else bisect.bisect_left(profile.FREIGHT_WEIGHT_EDGES_G, weight)
        seller = self.seller_of(i)
        return Product(i, hashed_id(f"{self.seed}:product:{i}"), seller, self.seller_id(seller), cents, bucket)

    def popular_product(self, draw: Callable[[], float], introduced: int) -> int:
        """A product among the first ``introduced`` for a repeat sale, by popularity."""
        return self._product_rank.pick(draw, introduced)

    def loose_price_cents(self, u_category: float, u_price: float) -> int:
        """A plausible item price not tied to a product (payments of orders without items)."""
        return max(85, int(round(self._price[self._category.at(u_category)].at(u_price) * 100)))

    def product_row(self, i: int) -> list[str]:
        """The products-file row of product ``i``."""
        u = self._floats(i)
        pid = hashed_id(f"{self.seed}:product:{i}")
        null_cat = u[1] < self._null_category and i not in self._forced
        weight = self._weight_of(u)
        if weight is None:
            dims = ["", "", "", ""]
        else:
            def follow(v: float) -> float:
                # a mixture that keeps the marginal uniform: the weight's quantile or a fresh one
                p = DIMENSION_FOLLOWS_WEIGHT
                return u[4] if v < p else (v - p) / (1 - p)
            dims = [
                str(weight),
                str(int(round(self._length.at(follow(u[5]))))),
                str(int(round(self._height.at(follow(u[6]))))),
                str(int(round(self._width.at(follow(u[7]))))),
            ]
        if null_cat:
            return [pid, "", "", "", "", *dims]
        return [
            pid,
            self._category_names[self._category_of(i, u)],
            str(int(round(self._name_len.at(u[9])))),
            str(int(round(self._desc_len.at(u[10])))),
            str(self._photos.at(u[11])),
            *dims,
        ]

    # ---- sellers -----------------------------------------------------------------------

    def _available_sellers(self, i: int) -> int:
        """Sellers introduced once product ``i`` is: one new seller every n_products/n_sellers products."""
        return min(self.n_sellers, 1 + i * self.n_sellers // self.n_products)

    def seller_of(self, i: int) -> int:
        """Seller index of product ``i``: a new seller at its introduction, else a popular earlier one."""
        avail = self._available_sellers(i)
        if i == 0 or avail > self._available_sellers(i - 1):
            return avail - 1
        draw = iter(unit_floats(f"{self.seed}:product-seller:{i}", 16)).__next__
        return self._seller_rank.pick(draw, avail)

    def sellers_used(self, products_introduced: int) -> int:
        """Number of sellers (indices ``0..n-1``) that sold, given how many products were introduced."""
        return self._available_sellers(products_introduced - 1) if products_introduced > 0 else 0

    def seller_id(self, s: int) -> str:
        """Id of seller ``s``."""
        return hashed_id(f"{self.seed}:seller:{s}")

    def seller_prefix(self, s: int) -> int:
        """Zip prefix of seller ``s``."""
        u = unit_floats(f"{self.seed}:seller:{s}", 2)
        return self.geo.seller_prefix(u[0], u[1])

    def seller_row(self, s: int) -> list[str]:
        """The sellers-file row of seller ``s``."""
        prefix = self.seller_prefix(s)
        city, state = self.geo.place(prefix)
        return [self.seller_id(s), format_prefix(prefix), city, state]

    # ---- unique customers --------------------------------------------------------------

    def customer_unique_id(self, c: int) -> str:
        """customer_unique_id of unique customer ``c``."""
        return unique_customer_id(self.seed, c)

    def customer_prefix(self, c: int) -> int:
        """Zip prefix of unique customer ``c`` (the same for all its orders)."""
        u = unit_floats(f"{self.seed}:customer:{c}", 2)
        return self.geo.customer_prefix(u[0], u[1])


def unique_customer_id(seed: int, c: int) -> str:
    """customer_unique_id of unique customer ``c``: people are numbered in order of their first order."""
    return hashed_id(f"{seed}:customer:{c}")
