"""The order stream: orders with their customers, items, payments and reviews, in one pass.

Orders are produced in purchase-timestamp order, day by day, without sorting: a day's purchase
times are generated as ascending order statistics of uniforms and mapped through the (monotone)
inverse CDF of the measured hour-of-day profile.  Each order's rows are written at once to the
five open files, so memory does not depend on the number of orders.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from . import profile
from .catalog import Catalog, Product
from .geo import Geography, format_prefix
from .kaggle_csv import CsvSink
from .sampling import (
    Discrete,
    Quantiles,
    RankPicker,
    day_number,
    format_date,
    format_money,
    format_ts,
    parse_ts,
    rate,
)
from .text import CommentWriter

_MIDNIGHT = " 00:00:00"
#: Zipf-Mandelbrot (exponent, offset) of which earlier customer comes back.  Tuned by simulation
#: so that customer_ids per customer_unique_id follow ``profile.CUSTOMER_IDS_PER_UNIQUE``
#: (~2.7k people with 2 orders, ~200 with 3, a few up to ~17).
RETURNING_CUSTOMER_POPULARITY = (0.65, 10.0)
#: Probability that the estimated delivery date uses the same quantile as the transit time
#: (otherwise an independent one).  Tuned by simulation so that ~6.6% of delivered orders arrive
#: after the estimated date, as measured (``profile.LATE_DELIVERIES``); independent draws give ~14%.
ESTIMATE_FOLLOWS_DELIVERY = 0.62
#: Draws of a popular product for a repeat sale, each kept with its price decile's measured chance
#: (``profile.REPEAT_SALES_BY_PRICE_DECILE``), before the last one is taken anyway.
REPEAT_SALE_TRIES = 8


@dataclass
class OrderSinks:
    """The five files written by the order stream."""

    orders: CsvSink
    customers: CsvSink
    items: CsvSink
    payments: CsvSink
    reviews: CsvSink


@dataclass
class StreamResult:
    """What later files need to know about the stream."""

    products_introduced: int
    unique_customers: int


def daily_counts(n_orders: int, rng: random.Random) -> list[tuple[int, int]]:
    """``(day_number, orders)`` for every purchase day; the counts add up to ``n_orders``.

    Day weights follow the measured month totals, weekday factors, special days (Black Friday)
    and a measured day-to-day noise; counts are the differences of the rounded cumulative sums.
    """
    first = dt.date.fromisoformat(profile.FIRST_PURCHASE)
    last = dt.date.fromisoformat(profile.LAST_PURCHASE)
    month_total = dict(profile.ORDER_MONTH_COUNTS)
    weekday = profile.WEEKDAY_COUNTS
    special = {dt.date.fromisoformat(d): m for d, m in profile.SPECIAL_DAYS}
    days: list[dt.date] = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    factor = [
        weekday[d.weekday()] * special.get(d, 1.0) * math.exp(rng.gauss(0.0, profile.DAILY_LOG_SD)) for d in days
    ]
    month_sum: dict[str, float] = {}
    for d, f in zip(days, factor, strict=False):
        key = d.strftime("%Y-%m")
        month_sum[key] = month_sum.get(key, 0.0) + f
    weights = [
        month_total.get(d.strftime("%Y-%m"), 0) * f / month_sum[d.strftime("%Y-%m")]
        for d, f in zip(days, factor, strict=False)
    ]
    total = sum(weights)
    out: list[tuple[int, int]] = []
    acc = 0.0
    prev = 0
    for d, w in zip(days, weights, strict=False):
        acc += w
        cum = round(n_orders * acc / total)
        if cum > prev:
            out.append((day_number(d), cum - prev))
            prev = cum
    if prev < n_orders:  # float rounding at the very end
        day, count = out[-1] if out else (day_number(last), 0)
        out[-1:] = [(day, count + n_orders - prev)]
    return out


def no_item_rates() -> dict[str, float]:
    """P(order has no items | status), scaled so that the overall rate is ``ORDERS_WITHOUT_ITEMS``.

    The per-status shape comes from the small coherent subset; the overall level from the complete
    items file.  Scaling is water-filling: rates that would pass 1 stay at 1 and the rest grow.
    """
    base = {s: rate(v) for s, v in profile.NO_ITEMS_BY_STATUS.items()}
    total = sum(n for _, n in profile.STATUS_COUNTS)
    share = {s: n / total for s, n in profile.STATUS_COUNTS}
    target = rate(profile.ORDERS_WITHOUT_ITEMS)
    rates = dict(base)
    for _ in range(50):
        current = sum(share.get(s, 0.0) * r for s, r in rates.items())
        free = sum(share.get(s, 0.0) * r for s, r in rates.items() if r < 1.0)
        if current <= 0 or free <= 0 or abs(current - target) < 1e-12:
            break
        k = 1.0 + (target - current) / free
        rates = {s: (min(1.0, r * k) if r < 1.0 else r) for s, r in rates.items()}
    return rates


class _HourProfile:
    """Monotone map from ``[0, 1)`` to a second of the day, following the hour-of-day counts."""

    def __init__(self) -> None:
        counts = [max(1, c) for c in profile.HOUR_COUNTS]
        self._counts = counts
        self._cum = [0]
        for c in counts:
            self._cum.append(self._cum[-1] + c)

    def second(self, x: float) -> int:
        target = x * self._cum[-1]
        h = min(23, bisect.bisect_right(self._cum, target) - 1)
        return min(86399, int(h * 3600 + (target - self._cum[h]) / self._counts[h] * 3600))


def purchase_times(days: list[tuple[int, int]], rng: random.Random) -> Iterator[int]:
    """Ascending purchase timestamps (seconds): per day, sequential ascending uniforms."""
    hours = _HourProfile()
    for day, count in days:
        base = day * 86400
        x = 0.0
        for k in range(count, 0, -1):
            # minimum of k uniforms on [x, 1): keeps the sequence sorted without storing it
            x += (1.0 - x) * (1.0 - rng.random() ** (1.0 / k))
            yield base + hours.second(x)


class OrderStream:
    """Generates and writes all orders of one dataset."""

    def __init__(self, seed: int, n_orders: int, catalog: Catalog, geo: Geography) -> None:
        self.seed = seed
        self.n_orders = n_orders
        self.catalog = catalog
        self.geo = geo
        self.rng = random.Random(f"{seed}:orders")
        self.comments = CommentWriter()
        self._status = Discrete((s, float(n)) for s, n in profile.STATUS_COUNTS)
        self._patterns = {
            s: Discrete((p, float(n)) for p, n in pats) for s, pats in profile.STATUS_NULL_PATTERNS.items()
        }
        self._canceled_from = day_number(dt.date.fromisoformat(profile.ALL_CANCELED_FROM)) * 86400 \
            if profile.ALL_CANCELED_FROM < "9999" else None
        self._data_end = parse_ts(profile.DATA_END)
        self._approval = Quantiles(profile.PCTS, profile.APPROVAL_DELAY_S)
        self._carrier = Quantiles(profile.PCTS, profile.CARRIER_DELAY_S)
        self._delivery = Quantiles(profile.PCTS, profile.DELIVERY_DELAY_S)
        self._estimated = Quantiles(profile.PCTS, profile.ESTIMATED_DAYS)
        self._no_items = no_item_rates()
        self._items_per_order = Discrete((n, float(c)) for n, c in profile.ITEMS_PER_ORDER)
        self._same_product = rate(profile.NEXT_ITEM_SAME_PRODUCT)
        repeats = [rate(pair) for pair in profile.REPEAT_SALES_BY_PRICE_DECILE]
        self._keep_repeat = tuple(r / max(repeats) for r in repeats)
        self._decile_edges_cents = tuple(round(e * 100) for e in profile.PRICE_DECILE_EDGES)
        self._shipping_limit = Quantiles(profile.PCTS, profile.SHIPPING_LIMIT_DELAY_S)
        self._freight = tuple(Quantiles(profile.PCTS, q) for q in profile.FREIGHT_BY_WEIGHT_BUCKET)
        self._payments_per_order = Discrete((n, float(c)) for n, c in profile.PAYMENTS_PER_ORDER)
        self._single_type = Discrete((t, float(n)) for t, n in profile.SINGLE_PAYMENT_TYPES)
        self._multi_card = rate(profile.MULTI_PAYMENT_WITH_CARD)
        self._installments = Discrete((n, float(c)) for n, c in profile.CARD_INSTALLMENTS)
        self._reviews_per_order = Discrete((n, float(c)) for n, c in profile.REVIEWS_PER_ORDER)
        self._score = {k: Discrete((s, float(n)) for s, n in v) for k, v in profile.SCORE_BY_DELIVERY.items()}
        self._after_delivery = Discrete((d, float(n)) for d, n in profile.REVIEW_DAYS_AFTER_DELIVERY)
        self._after_estimate = Discrete((d, float(n)) for d, n in profile.REVIEW_DAYS_AFTER_ESTIMATE)
        self._answer = Quantiles(profile.PCTS, profile.REVIEW_ANSWER_DELAY_S)
        per_unique = profile.CUSTOMER_IDS_PER_UNIQUE
        unique_share = sum(n for _, n in per_unique) / sum(k * n for k, n in per_unique)
        self._repeat_customer = 1.0 - unique_share
        self._returning = RankPicker(round(n_orders * unique_share), *RETURNING_CUSTOMER_POPULARITY,
                                     random.Random(f"{seed}:customer-rank"))
        status_p = {s: n / sum(c for _, c in profile.STATUS_COUNTS) for s, n in profile.STATUS_COUNTS}
        with_items = 1.0 - sum(p * self._no_items.get(s, 0.0) for s, p in status_p.items())
        self._expected_items = max(1.0, n_orders * with_items * self._items_per_order.mean())
        self.items_written = 0
        self.products_introduced = 0
        self.unique_customers = 0

    def _new_id(self) -> str:
        return "%032x" % self.rng.getrandbits(128)

    # ---- pieces of one order ------------------------------------------------------------

    def _timeline(self, purchase: int) -> tuple[str, int | None, int | None, int | None, int]:
        """Status, approval/carrier/delivery timestamps (None = NULL) and estimated delivery day."""
        r = self.rng.random
        if self._canceled_from is not None and purchase >= self._canceled_from:
            status = "canceled"
        else:
            status = self._status.at(r())
        pattern = self._patterns[status].at(r())
        speed = r()  # shared by the transit time and (often) the promised date: long routes get later promises
        approved = purchase + int(self._approval.at(r())) if pattern[0] == "1" else None
        carrier = (approved or purchase) + int(self._carrier.at(r())) if pattern[1] == "1" else None
        delivered = (carrier or approved or purchase) + int(self._delivery.at(speed)) if pattern[2] == "1" else None
        u_estimate = speed if r() < ESTIMATE_FOLLOWS_DELIVERY else r()
        estimated_day = purchase // 86400 + int(round(self._estimated.at(u_estimate)))
        end = self._data_end
        if delivered is not None and delivered > end and status == "delivered":
            status, delivered = "shipped", None  # not delivered yet when the data was extracted
        if carrier is not None and carrier > end and status in ("delivered", "shipped"):
            status, carrier, delivered = "invoiced", None, None
        return status, approved, carrier, delivered, estimated_day

    def _pick_product(self) -> Product:
        """A new product (introduced in index order) or a popular earlier one."""
        cat = self.catalog
        remaining_new = cat.n_products - self.products_introduced
        if remaining_new > 0:
            remaining_items = self._expected_items - self.items_written
            if self.products_introduced == 0 or self.rng.random() * max(1.0, remaining_items) < remaining_new:
                self.products_introduced += 1
                return cat.product(self.products_introduced - 1)
        # Popularity alone would sell dear products again as often as cheap ones; they sell less.
        for _ in range(REPEAT_SALE_TRIES):
            product = cat.product(cat.popular_product(self.rng.random, self.products_introduced))
            decile = bisect.bisect_left(self._decile_edges_cents, product.price_cents)
            if self.rng.random() < self._keep_repeat[decile]:
                break
        return product

    def _write_items(self, sinks: OrderSinks, order_id: str, base: int) -> int:
        """Write the order's items (none for some canceled/unavailable orders); return the total in cents."""
        r = self.rng.random
        n = self._items_per_order.at(r())
        limit = format_ts(base + int(self._shipping_limit.at(r())))
        total = 0
        product: Product | None = None
        freight = 0
        for k in range(1, n + 1):
            if product is None or r() >= self._same_product:
                product = self._pick_product()
                freight = int(round(self._freight[product.freight_bucket].at(r()) * 100))
            self.items_written += 1
            total += product.price_cents + freight
            sinks.items.write((order_id, str(k), product.product_id, product.seller_id, limit,
                               format_money(product.price_cents), format_money(freight)))
        return total

    def _write_payments(self, sinks: OrderSinks, order_id: str, total: int) -> None:
        """At least one payment; the values add up to the items' total."""
        r = self.rng.random
        if total == 0:  # orders without items were still paid for
            total = self.catalog.loose_price_cents(r(), r()) + int(round(self._freight[2].at(r()) * 100))
        n = self._payments_per_order.at(r())
        if n == 1:
            kind = self._single_type.at(r())
            value = 0 if kind == "not_defined" else total
            inst = self._installments.at(r()) if kind == "credit_card" else 1
            sinks.payments.write((order_id, "1", kind, str(inst), format_money(value)))
            return
        kinds = ["credit_card"] + ["voucher"] * (n - 1) if r() < self._multi_card else ["voucher"] * n
        weights = [r() + 0.05 for _ in range(n)]
        if kinds[0] == "credit_card":
            weights[0] *= n  # the card usually pays most of it
        wsum = sum(weights)
        left = total
        for seq, (kind, w) in enumerate(zip(kinds, weights, strict=False), start=1):
            value = left if seq == n else min(left, int(total * w / wsum))
            left -= value
            inst = self._installments.at(r()) if kind == "credit_card" else 1
            sinks.payments.write((order_id, str(seq), kind, str(inst), format_money(value)))

    def _write_reviews(self, sinks: OrderSinks, order_id: str, purchase: int,
                       delivered: int | None, estimated_day: int) -> None:
        r = self.rng.random
        n = self._reviews_per_order.at(r())
        if delivered is None:
            cls = "undelivered"
        else:
            cls = "late" if delivered // 86400 > estimated_day else "on_time"
        for _ in range(n):
            score = self._score[cls].at(r())
            if delivered is None:
                day = estimated_day + self._after_estimate.at(r())
            else:
                day = delivered // 86400 + self._after_delivery.at(r())
            day = max(day, purchase // 86400 + 1)
            answer = day * 86400 + int(self._answer.at(r()))
            title = self.comments.title(self.rng, score)
            message = self.comments.message(self.rng, score)
            sinks.reviews.write((self._new_id(), order_id, str(score), title, message,
                                 format_date(day) + _MIDNIGHT, format_ts(answer)))

    def _customer(self) -> tuple[str, int]:
        """(customer_unique_id, zip prefix): a new person, or now and then a returning one."""
        if self.unique_customers > 0 and self.rng.random() < self._repeat_customer:
            c = self._returning.pick(self.rng.random, self.unique_customers)
        else:
            c = self.unique_customers
            self.unique_customers += 1
        return self.catalog.customer_unique_id(c), self.catalog.customer_prefix(c)

    # ---- the stream ---------------------------------------------------------------------

    def run(self, sinks: OrderSinks, used_prefixes: bytearray) -> StreamResult:
        """Write every order; mark customer zip prefixes in ``used_prefixes``."""
        rng = self.rng
        days = daily_counts(self.n_orders, random.Random(f"{self.seed}:calendar"))
        for purchase in purchase_times(days, rng):
            order_id = self._new_id()
            customer_id = self._new_id()
            status, approved, carrier, delivered, estimated_day = self._timeline(purchase)
            unique_id, prefix = self._customer()
            used_prefixes[prefix] = 1
            city, state = self.geo.place(prefix)
            sinks.orders.write((
                order_id, customer_id, status, format_ts(purchase),
                "" if approved is None else format_ts(approved),
                "" if carrier is None else format_ts(carrier),
                "" if delivered is None else format_ts(delivered),
                format_date(estimated_day) + _MIDNIGHT,
            ))
            sinks.customers.write((customer_id, unique_id, format_prefix(prefix), city, state))
            has_items = rng.random() >= self._no_items.get(status, 0.0)
            total = self._write_items(sinks, order_id, approved or purchase) if has_items else 0
            self._write_payments(sinks, order_id, total)
            self._write_reviews(sinks, order_id, purchase, delivered, estimated_day)
        return StreamResult(self.products_introduced, self.unique_customers)
