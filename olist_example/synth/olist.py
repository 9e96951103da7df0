"""Generate the eleven Olist files at a given scale: the public entry point :func:`generate`.

Order of work (each file is written once, streaming):

1. orders + customers + items + payments + reviews, in one pass (``orders.py``);
2. products and sellers, from the index-based catalogue, for exactly what was sold;
3. geolocation, ~10 points for every zip prefix used by a customer or a seller;
4. the category translation;
5. leads + closed deals (``funnel.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from . import kaggle_csv as kc
from . import profile
from .catalog import Catalog
from .funnel import write_funnel
from .geo import Geography, format_prefix
from .orders import OrderSinks, OrderStream

#: Row counts of the full public data (scale 1).
FULL_ORDERS = 99_441
FULL_PRODUCTS = 32_951
FULL_SELLERS = 3_095
FULL_LEADS = 8_000
FULL_DEALS = 842


def scaled(full: int, scale: float) -> int:
    """``full * scale`` rounded, at least 1."""
    return max(1, int(round(full * scale)))


def generate(
    scale: float,
    out_dir: Path,
    seed: int = 42,
    gzip: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Write the eleven Olist files into out_dir; return {file_name: data_rows_written}.

    ``scale`` 1 gives the size of the public data (99,441 orders); other values scale every
    table proportionally (at least one row each).  The same ``(scale, seed)`` always yields the
    same bytes.  With ``gzip`` the files are ``<name>.csv.gz`` (deterministic gzip, mtime 0).
    ``progress(file_name, rows_so_far)`` is called every 50,000 rows and when a file is done.
    """
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    n_orders = scaled(FULL_ORDERS, scale)
    geo = Geography()
    catalog = Catalog(seed, scaled(FULL_PRODUCTS, scale), scaled(FULL_SELLERS, scale), geo)
    counts: dict[str, int] = {}
    used_prefixes = bytearray(100_000)

    def sink(fmt: kc.FileFormat) -> kc.CsvSink:
        return kc.CsvSink(out_dir, fmt, gzip=gzip, progress=progress)

    def done(s: kc.CsvSink) -> None:
        counts[s.file_name] = s.close()

    # 1. the order stream
    sinks = OrderSinks(sink(kc.ORDERS), sink(kc.CUSTOMERS), sink(kc.ORDER_ITEMS),
                       sink(kc.ORDER_PAYMENTS), sink(kc.ORDER_REVIEWS))
    try:
        result = OrderStream(seed, n_orders, catalog, geo).run(sinks, used_prefixes)
    finally:
        for s in (sinks.orders, sinks.customers, sinks.items, sinks.payments, sinks.reviews):
            done(s)

    # 2. products and sellers that were sold
    with sink(kc.PRODUCTS) as products:
        for i in range(result.products_introduced):
            products.write(catalog.product_row(i))
    done(products)
    n_sellers = catalog.sellers_used(result.products_introduced)
    with sink(kc.SELLERS) as sellers:
        for s in range(n_sellers):
            row = catalog.seller_row(s)
            used_prefixes[int(row[1])] = 1
            sellers.write(row)
    done(sellers)

    # 3. geolocation for every zip prefix in use
    with sink(kc.GEOLOCATION) as geo_sink:
        for prefix in range(len(used_prefixes)):
            if used_prefixes[prefix]:
                zip_text = format_prefix(prefix)
                city, state = geo.place(prefix)
                for lat, lng in geo.points(prefix, seed):
                    geo_sink.write((zip_text, repr(lat), repr(lng), city, state))
    done(geo_sink)

    # 4. category translation (all translated categories; two used ones stay untranslated)
    with sink(kc.CATEGORY_TRANSLATION) as translation:
        for name, english, _count, _prices in profile.CATEGORIES:
            if english is not None:
                translation.write((name, english))
    done(translation)

    # 5. marketing funnel
    leads, deals = sink(kc.LEADS), sink(kc.CLOSED_DEALS)
    try:
        write_funnel(seed, scaled(FULL_LEADS, scale), scaled(FULL_DEALS, scale), catalog, n_sellers,
                     leads, deals, scale)
    finally:
        done(leads)
        done(deals)
    return counts
