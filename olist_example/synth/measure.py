"""Developer tool: measure the public Olist data and (re)write ``profile.py``.

Usage::

    python -m olist_example.synth.measure /path/to/olist > olist_example/synth/profile.py

The directory must hold the Kaggle files as ``*.csv.gz`` laid out like
``../shared/data/olist`` beside the project (a coherent top-level subset, ``complete/`` and ``partial/``).
Only aggregate figures (counts, rates, quantiles, centroids) and short labels
(category names, state codes, city names) are emitted; no data row is copied.
The generator never imports this module.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import gzip
import math
import pprint
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

#: Probabilities at which continuous distributions are tabulated (inverse CDF knots).  The ends are
#: the 0.1% and 99.9% quantiles, not min/max, so that single outliers do not stretch the tails.
PCTS: tuple[float, ...] = (
    0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
    0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999,
)
#: Orders in the full Kaggle data (PROVENANCE.md reference table).
FULL_ORDERS = 99_441
#: Coarser knots for the per-category price tables.
PRICE_PCTS: tuple[float, ...] = (0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1.0)


def _read(root: Path, name: str) -> list[dict[str, str]]:
    """Read one gzip CSV file as a list of dict rows."""
    with gzip.open(root / name, "rt", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def _quantiles(values: Iterable[float], pcts: Sequence[float] = PCTS, ndigits: int = 2) -> tuple[float, ...]:
    """Linear-interpolated quantiles of ``values`` at ``pcts``."""
    data = sorted(values)
    out = []
    for p in pcts:
        pos = p * (len(data) - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, len(data) - 1)
        val = data[lo] + (data[hi] - data[lo]) * (pos - lo)
        out.append(round(val, ndigits))
    return tuple(out)


def _weights(counter: collections.Counter, key=None) -> tuple:
    """Counter -> sorted tuple of (value, count) pairs."""
    return tuple(sorted(counter.items(), key=key or (lambda kv: (-kv[1], str(kv[0])))))


def _zip3_table(root: Path, customers: list[dict[str, str]], sellers: list[dict[str, str]]) -> tuple:
    """Per 3-digit zip sector: (zip3, state, lat, lng, customers, sellers, distinct 5-digit prefixes,
    ((city, share), ...)) plus the median point spread inside a prefix and between prefixes."""
    geo = _read(root, "olist_geolocation_dataset.csv.gz")
    pts: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    state_pts: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    for r in geo:
        lat, lng = float(r["geolocation_lat"]), float(r["geolocation_lng"])
        pts[r["geolocation_zip_code_prefix"][:3]].append((lat, lng))
        state_pts[r["geolocation_state"]].append((lat, lng))
    cities: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    states: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    ccount: collections.Counter = collections.Counter()
    prefixes: dict[str, set[str]] = collections.defaultdict(set)
    scount: collections.Counter = collections.Counter()
    for rows, zcol, ccol, stcol, counter in (
        (customers, "customer_zip_code_prefix", "customer_city", "customer_state", ccount),
        (sellers, "seller_zip_code_prefix", "seller_city", "seller_state", scount),
    ):
        for r in rows:
            z3 = r[zcol][:3]
            counter[z3] += 1
            prefixes[z3].add(r[zcol])
            cities[z3][r[ccol]] += 1
            states[z3][r[stcol]] += 1

    def centroid(points: list[tuple[float, float]]) -> tuple[float, float]:
        return (round(sum(p[0] for p in points) / len(points), 4), round(sum(p[1] for p in points) / len(points), 4))

    state_centroid = {st: centroid(p) for st, p in state_pts.items()}
    table = []
    for z3 in sorted(cities):
        state = states[z3].most_common(1)[0][0]
        if z3 in pts:
            lat, lng = centroid(pts[z3])
        else:  # nearest measured sector of the same state, else the state centroid, else nearest any
            same = [k for k in pts if states.get(k) and states[k].most_common(1)[0][0] == state]
            if same:
                lat, lng = centroid(pts[min(same, key=lambda k: abs(int(k) - int(z3)))])
            elif state in state_centroid:
                lat, lng = state_centroid[state]
            else:
                lat, lng = centroid(pts[min(pts, key=lambda k: abs(int(k) - int(z3)))])
        total = sum(cities[z3].values())
        main = [(c, n) for c, n in cities[z3].most_common(3) if n / total >= 0.05] or [cities[z3].most_common(1)[0]]
        msum = sum(n for _, n in main)
        city_shares = tuple((c, round(n / msum, 3)) for c, n in main)
        table.append((z3, state, lat, lng, ccount[z3], scount[z3], len(prefixes[z3]), city_shares))
    # spread of prefix centroids inside a sector and of points inside a prefix (median sd, degrees)
    pref: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    for r in geo:
        pref[r["geolocation_zip_code_prefix"]].append((float(r["geolocation_lat"]), float(r["geolocation_lng"])))
    within = []
    for p in pref.values():
        if len(p) > 1:
            m = sum(x for x, _ in p) / len(p)
            within.append(math.sqrt(sum((x - m) ** 2 for x, _ in p) / (len(p) - 1)))
    between = []
    by3: dict[str, list[float]] = collections.defaultdict(list)
    for k, p in pref.items():
        by3[k[:3]].append(sum(x for x, _ in p) / len(p))
    for v in by3.values():
        if len(v) > 2:
            m = sum(v) / len(v)
            between.append(math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1)))
    within.sort()
    between.sort()
    return tuple(table), round(within[len(within) // 2], 4), round(between[len(between) // 2], 4)


def measure(root: Path) -> dict[str, object]:
    """Compute every figure the generator uses; returns NAME -> literal value."""
    out: dict[str, object] = {}
    orders = _read(root, "partial/olist_orders_dataset.csv.gz")
    sub_orders = {r["order_id"]: r for r in _read(root, "olist_orders_dataset.csv.gz")}
    customers = _read(root, "complete/olist_customers_dataset.csv.gz")
    items = _read(root, "complete/olist_order_items_dataset.csv.gz")
    payments = _read(root, "complete/olist_order_payments_dataset.csv.gz")
    products = _read(root, "complete/olist_products_dataset.csv.gz")
    sellers = _read(root, "complete/olist_sellers_dataset.csv.gz")
    translation = _read(root, "complete/product_category_name_translation.csv.gz")
    reviews = _read(root, "partial/olist_order_reviews_dataset.csv.gz")
    sub_reviews = _read(root, "olist_order_reviews_dataset.csv.gz")
    sub_items = _read(root, "olist_order_items_dataset.csv.gz")
    leads = _read(root, "olist_marketing_qualified_leads_dataset.csv.gz")
    deals = _read(root, "olist_closed_deals_dataset.csv.gz")

    # ---- orders: time shape
    purchases = [_ts(r["order_purchase_timestamp"]) for r in orders]
    out["ORDER_MONTH_COUNTS"] = _weights(collections.Counter(p.strftime("%Y-%m") for p in purchases),
                                         key=lambda kv: kv[0])
    out["FIRST_PURCHASE"] = min(purchases).strftime("%Y-%m-%d")
    out["LAST_PURCHASE"] = max(purchases).strftime("%Y-%m-%d")
    out["WEEKDAY_COUNTS"] = tuple(collections.Counter(p.weekday() for p in purchases)[d] for d in range(7))
    out["HOUR_COUNTS"] = tuple(collections.Counter(p.hour for p in purchases)[h] for h in range(24))
    daily = collections.Counter(p.date() for p in purchases)
    month_day_mean = collections.defaultdict(list)
    for d, n in daily.items():
        month_day_mean[(d.year, d.month)].append(n)
    wd_total = sum(out["WEEKDAY_COUNTS"])
    wd_factor = [7 * c / wd_total for c in out["WEEKDAY_COUNTS"]]
    spikes, resid, poisson = [], [], []
    for d, n in sorted(daily.items()):
        vals = month_day_mean[(d.year, d.month)]
        mean = sum(vals) / len(vals)
        if len(vals) >= 20 and mean >= 20:
            expected = mean * wd_factor[d.weekday()]
            ratio = n / expected
            if ratio >= 2.0:
                spikes.append((d.isoformat(), round(ratio, 2)))
            else:
                resid.append(math.log(ratio))
                poisson.append(1.0 / expected)  # sampling noise of a count, to be removed
    out["SPECIAL_DAYS"] = tuple(spikes)
    mu = sum(resid) / len(resid)
    var = sum((x - mu) ** 2 for x in resid) / len(resid) - sum(poisson) / len(poisson)
    out["DAILY_LOG_SD"] = round(math.sqrt(max(var, 0.0)), 3)

    # ---- orders: status and timestamps
    # the status mix comes from the coherent subset (two random samples); the larger partial file
    # over-represents delivered orders (97.8% against 97.1%), so it is used only within a status
    out["STATUS_COUNTS"] = _weights(collections.Counter(r["order_status"] for r in sub_orders.values()))
    pat: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in orders:
        key = "".join("1" if r[k] else "0"
                      for k in ("order_approved_at", "order_delivered_carrier_date", "order_delivered_customer_date"))
        pat[r["order_status"]][key] += 1
    out["STATUS_NULL_PATTERNS"] = {s: _weights(c) for s, c in sorted(pat.items())}
    late = [p for p, r in zip(purchases, orders, strict=False) if r["order_purchase_timestamp"] >= "2018-09-01"]
    out["ALL_CANCELED_FROM"] = "2018-09-01" if late and all(
        r["order_status"] == "canceled" for r in orders
        if r["order_purchase_timestamp"] >= "2018-09-01") else "9999-12-31"
    appr, carr, deliv, est = [], [], [], []
    for r in orders:
        p = _ts(r["order_purchase_timestamp"])
        a = _ts(r["order_approved_at"]) if r["order_approved_at"] else None
        c = _ts(r["order_delivered_carrier_date"]) if r["order_delivered_carrier_date"] else None
        d = _ts(r["order_delivered_customer_date"]) if r["order_delivered_customer_date"] else None
        if a:
            appr.append((a - p).total_seconds())
        if a and c:
            carr.append((c - a).total_seconds())
        if c and d:
            deliv.append((d - c).total_seconds())
        est.append((_ts(r["order_estimated_delivery_date"]).date() - p.date()).days)
    delivered = [r for r in orders if r["order_delivered_customer_date"]]
    out["LATE_DELIVERIES"] = (
        sum(1 for r in delivered
            if r["order_delivered_customer_date"][:10] > r["order_estimated_delivery_date"][:10]),
        len(delivered))
    out["APPROVAL_DELAY_S"] = _quantiles(appr, ndigits=0)
    out["CARRIER_DELAY_S"] = _quantiles(carr, ndigits=0)
    out["DELIVERY_DELAY_S"] = _quantiles(deliv, ndigits=0)
    out["ESTIMATED_DAYS"] = _quantiles(est, ndigits=1)
    out["DATA_END"] = max(
        max(r[k] for r in orders)
        for k in ("order_approved_at", "order_delivered_carrier_date", "order_delivered_customer_date"))

    # ---- customers
    per_unique = collections.Counter(collections.Counter(r["customer_unique_id"] for r in customers).values())
    out["CUSTOMER_IDS_PER_UNIQUE"] = _weights(per_unique, key=lambda kv: kv[0])

    # ---- items
    per_order = collections.Counter(collections.Counter(r["order_id"] for r in items).values())
    out["ITEMS_PER_ORDER"] = _weights(per_order, key=lambda kv: kv[0])
    sub_with_items = {r["order_id"] for r in sub_items}
    no_items: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for oid, r in sub_orders.items():
        no_items[r["order_status"]][0] += oid not in sub_with_items
        no_items[r["order_status"]][1] += 1
    out["NO_ITEMS_BY_STATUS"] = {s: (a, n) for s, (a, n) in sorted(no_items.items())}
    # overall rate: orders (99,441 in the full data, per PROVENANCE) absent from the complete items
    out["ORDERS_WITHOUT_ITEMS"] = (FULL_ORDERS - len({r["order_id"] for r in items}), FULL_ORDERS)
    by_order: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for r in items:
        by_order[r["order_id"]].append(r)
    same = diff = 0
    for rows in by_order.values():
        rows.sort(key=lambda r: int(r["order_item_id"]))
        for a, b in zip(rows, rows[1:], strict=False):
            same += a["product_id"] == b["product_id"]
            diff += a["product_id"] != b["product_id"]
    out["NEXT_ITEM_SAME_PRODUCT"] = (same, same + diff)
    lim = []
    for r in sub_items:
        o = sub_orders[r["order_id"]]
        base = _ts(o["order_approved_at"] or o["order_purchase_timestamp"])
        lim.append((_ts(r["shipping_limit_date"]) - base).total_seconds())
    out["SHIPPING_LIMIT_DELAY_S"] = _quantiles(lim, ndigits=0)
    out["PRICE_CENTS"] = _weights(collections.Counter(r["price"][-2:] for r in items))
    prod = {r["product_id"]: r for r in products}
    weights_g = sorted(float(prod[r["product_id"]]["product_weight_g"])
                       for r in items if prod[r["product_id"]]["product_weight_g"])
    edges = tuple(weights_g[int(len(weights_g) * q)] for q in (0.2, 0.4, 0.6, 0.8))
    out["FREIGHT_WEIGHT_EDGES_G"] = edges
    buckets: list[list[float]] = [[] for _ in range(5)]
    for r in items:
        w = prod[r["product_id"]]["product_weight_g"]
        if w:
            buckets[sum(float(w) > e for e in edges)].append(float(r["freight_value"]))
    out["FREIGHT_BY_WEIGHT_BUCKET"] = tuple(_quantiles(b) for b in buckets)

    # ---- products and categories
    first_price: dict[str, float] = {}
    for r in items:
        first_price.setdefault(r["product_id"], float(r["price"]))
    cat_prices: dict[str, list[float]] = collections.defaultdict(list)
    for pid, price in first_price.items():
        cat_prices[prod[pid]["product_category_name"]].append(price)
    english = {r["product_category_name"]: r["product_category_name_english"] for r in translation}
    cat_counts = collections.Counter(r["product_category_name"] for r in products)
    global_q = _quantiles(first_price.values(), PRICE_PCTS)
    cats = []
    untranslated = sorted(c for c in cat_counts if c and c not in english)
    for name in [r["product_category_name"] for r in translation] + untranslated:
        prices = cat_prices.get(name, [])
        q = _quantiles(prices, PRICE_PCTS) if len(prices) >= 20 else global_q
        cats.append((name, english.get(name), cat_counts.get(name, 0), q))
    out["CATEGORIES"] = tuple(cats)
    out["PRODUCT_NULL_CATEGORY"] = (cat_counts[""], len(products))
    out["PRODUCT_NULL_DIMENSIONS"] = (sum(1 for r in products if not r["product_weight_g"]), len(products))
    def ints(col: str) -> list[float]:
        return [float(r[col]) for r in products if r[col]]
    out["PRODUCT_NAME_LEN"] = _quantiles(ints("product_name_lenght"), ndigits=0)
    out["PRODUCT_DESCRIPTION_LEN"] = _quantiles(ints("product_description_lenght"), ndigits=0)
    out["PRODUCT_PHOTOS"] = _weights(
        collections.Counter(int(r["product_photos_qty"]) for r in products if r["product_photos_qty"]),
        key=lambda kv: kv[0])
    out["PRODUCT_WEIGHT_G"] = _quantiles(ints("product_weight_g"), ndigits=0)
    out["PRODUCT_LENGTH_CM"] = _quantiles(ints("product_length_cm"), ndigits=0)
    out["PRODUCT_HEIGHT_CM"] = _quantiles(ints("product_height_cm"), ndigits=0)
    out["PRODUCT_WIDTH_CM"] = _quantiles(ints("product_width_cm"), ndigits=0)
    sales = collections.Counter(r["product_id"] for r in items)
    out["PRODUCT_SALES_ONCE"] = (sum(1 for v in sales.values() if v == 1), len(sales))
    out["PRODUCT_SALES_MAX"] = max(sales.values())
    # Dear products sell again less often: (repeat sales, products) per decile of the product's price.
    edges_p = _quantiles(first_price.values(), tuple(k / 10 for k in range(1, 10)))
    repeat = [[0, 0] for _ in range(10)]
    for pid, price in first_price.items():
        decile = repeat[sum(price > e for e in edges_p)]
        decile[0] += sales[pid] - 1
        decile[1] += 1
    out["PRICE_DECILE_EDGES"] = edges_p
    out["REPEAT_SALES_BY_PRICE_DECILE"] = tuple((a, n) for a, n in repeat)
    seller_sales = collections.Counter(r["seller_id"] for r in items)
    out["SELLER_SALES_ONCE"] = (sum(1 for v in seller_sales.values() if v == 1), len(seller_sales))
    out["SELLER_SALES_MAX"] = max(seller_sales.values())

    # ---- payments
    pay_by: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for r in payments:
        pay_by[r["order_id"]].append(r)
    out["PAYMENTS_PER_ORDER"] = _weights(collections.Counter(len(v) for v in pay_by.values()), key=lambda kv: kv[0])
    out["SINGLE_PAYMENT_TYPES"] = _weights(
        collections.Counter(v[0]["payment_type"] for v in pay_by.values() if len(v) == 1))
    out["MULTI_PAYMENT_WITH_CARD"] = (
        sum(1 for v in pay_by.values() if len(v) > 1 and any(r["payment_type"] == "credit_card" for r in v)),
        sum(1 for v in pay_by.values() if len(v) > 1))
    out["CARD_INSTALLMENTS"] = _weights(
        collections.Counter(int(r["payment_installments"]) for r in payments if r["payment_type"] == "credit_card"),
        key=lambda kv: kv[0])

    # ---- reviews
    per = collections.Counter(r["order_id"] for r in sub_reviews)
    rpo = collections.Counter(per[o] for o in sub_orders)
    out["REVIEWS_PER_ORDER"] = _weights(rpo, key=lambda kv: kv[0])
    score_by: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    off_deliv, off_est = collections.Counter(), collections.Counter()
    answer = []
    for r in sub_reviews:
        o = sub_orders[r["order_id"]]
        created = _ts(r["review_creation_date"])
        answer.append((_ts(r["review_answer_timestamp"]) - created).total_seconds())
        if o["order_delivered_customer_date"]:
            d = _ts(o["order_delivered_customer_date"])
            cls = "late" if d.date() > _ts(o["order_estimated_delivery_date"]).date() else "on_time"
            off_deliv[max(-30, min(30, (created.date() - d.date()).days))] += 1
        else:
            cls = "undelivered"
            off_est[max(-30, min(30, (created.date() - _ts(o["order_estimated_delivery_date"]).date()).days))] += 1
        score_by[cls][int(r["review_score"])] += 1
    out["SCORE_BY_DELIVERY"] = {k: _weights(v, key=lambda kv: kv[0]) for k, v in sorted(score_by.items())}
    out["REVIEW_DAYS_AFTER_DELIVERY"] = _weights(off_deliv, key=lambda kv: kv[0])
    out["REVIEW_DAYS_AFTER_ESTIMATE"] = _weights(off_est, key=lambda kv: kv[0])
    out["REVIEW_ANSWER_DELAY_S"] = _quantiles(answer, ndigits=0)
    text_rates = {}
    for s in range(1, 6):
        rows = [r for r in reviews if r["review_score"] == str(s)]
        text_rates[s] = (sum(1 for r in rows if r["review_comment_title"]),
                         sum(1 for r in rows if r["review_comment_message"]), len(rows))
    out["REVIEW_TEXT_COUNTS_BY_SCORE"] = text_rates
    msgs = [r["review_comment_message"] for r in reviews if r["review_comment_message"]]
    out["MESSAGE_NEWLINE"] = (sum(1 for m in msgs if "\r\n" in m), len(msgs))
    out["MESSAGE_COMMA"] = (sum(1 for m in msgs if "," in m), len(msgs))
    out["MESSAGE_LEN"] = _quantiles([len(m) for m in msgs], ndigits=0)

    # ---- geography
    out["ZIP3_TABLE"], out["GEO_POINT_SD_DEG"], out["GEO_PREFIX_SD_DEG"] = _zip3_table(root, customers, sellers)

    # ---- marketing funnel
    out["LEAD_MONTH_COUNTS"] = _weights(collections.Counter(r["first_contact_date"][:7] for r in leads),
                                        key=lambda kv: kv[0])
    out["LEAD_ORIGINS"] = _weights(collections.Counter(r["origin"] for r in leads))
    lp = collections.Counter(r["landing_page_id"] for r in leads)
    out["LANDING_PAGES"] = (len(lp), lp.most_common(1)[0][1], len(leads))
    first = {r["mql_id"]: _ts(r["first_contact_date"]) for r in leads}
    out["WON_DELAY_DAYS"] = _quantiles(
        [(_ts(r["won_date"]) - first[r["mql_id"]]).total_seconds() / 86400 for r in deals], ndigits=2)
    out["SDR_COUNT"] = len({r["sdr_id"] for r in deals})
    out["SR_COUNT"] = len({r["sr_id"] for r in deals})
    for col in ("business_segment", "lead_type", "lead_behaviour_profile", "has_company", "has_gtin",
                "average_stock", "business_type", "declared_product_catalog_size", "declared_monthly_revenue"):
        out["DEAL_" + col.upper()] = _weights(collections.Counter(r[col] for r in deals))
    seller_ids = {r["seller_id"] for r in sellers}
    out["DEAL_SELLER_KNOWN"] = (sum(1 for r in deals if r["seller_id"] in seller_ids), len(deals))
    return out


HEADER = '''"""Distributions of the public Olist data, measured once and frozen as constants.

AUTO-GENERATED by ``python -m olist_example.synth.measure`` -- do not edit by hand.

Every figure below was measured from the public Kaggle "Brazilian E-Commerce Public Dataset by
Olist" and "Marketing Funnel by Olist" files: the complete customers, items, payments, products,
sellers, translation, leads and deals files; a 33k-order and a 12.5k-review part of orders and
reviews (time shape, delays, NULL patterns, comment rates); and a coherent random subset of 6,887
orders (status mix and cross-table timings such as shipping limits and review dates).  Only
figures (counts, rates, quantiles, centroids) and short labels (category names, state codes, city
names) are kept: no data row is reproduced.

Conventions: ``*_COUNTS``/weights are ``(value, count)`` pairs; quantile tables hold the values at
the probabilities in ``PCTS`` (or ``PRICE_PCTS``) and are sampled by linear interpolation; pairs
named ``(hits, total)`` are rates.
"""

# fmt: off
'''


def render(figures: dict[str, object]) -> str:
    """Render measured figures as the source text of ``profile.py``."""
    parts = [HEADER, f"PCTS: tuple[float, ...] = {PCTS!r}\n", f"PRICE_PCTS: tuple[float, ...] = {PRICE_PCTS!r}\n"]
    for name, value in figures.items():
        text = pprint.pformat(value, width=110, compact=True, sort_dicts=False)
        parts.append(f"\n{name} = {text}\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    """CLI entry: print the rendered profile for the data directory in argv[0]."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(render(measure(Path(args[0]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
