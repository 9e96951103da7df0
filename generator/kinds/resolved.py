"""Rows whose lookup found nothing when they were staged, and which a later delivery resolves.

A source's staging borrows columns from another source by a lookup (``orders`` takes
``customer_unique_id`` from ``customers`` on ``customer_id``). When an order is staged before its
customer row has arrived, or while that row sits in quarantine, the borrowed column is NULL and the
tables keyed by it skip the row: the link from the order to its customer is not written. When the
customer row arrives later, alone, the *resolved* view of ``orders`` (``resolved_orders``, rendered by
``generator/render/resolved.py``) holds that order row again, with the customer it now finds, the
batch and load time at which the vault learned it, and the record source, file and line of the
order row itself. Its stage (``stg_orders_resolved``) feeds only the hubs and links whose keys use a
borrowed column (``Kind.reads_resolved``): never a satellite, which would record a delivery the
source never made.

>>> from generator.spec.model import Feed, Hub, Link, Lookup, Origin, Source, Spec
>>> o = Origin("s.yml", 1)
>>> orders = Source("orders", "o.csv", "o.csv", (("order_id", "text"), ("customer_id", "text")), o,
...                 lookups=(Lookup("customers", "customer_id", ("person_id",)),))
>>> customers = Source("customers", "c.csv", "c.csv", (("customer_id", "text"), ("person_id", "text")), o)
>>> hubs = (Hub("order", ("order_id",), (Feed("orders", ("order_id",)),), o),
...         Hub("person", ("person_id",), (Feed("customers", ("person_id",)),), o))
>>> link = Link("order_person", ("order", "person"), ("orders",), o)
>>> spec = Spec(sources=(orders, customers), hubs=hubs, links=(link,))
>>> lookups_of(spec, "orders", ("order_id", "person_id")), lookups_of(spec, "orders", ("order_id",))
(('customers',), ())
>>> resolved_stage("orders"), resolved_view("orders"), resolved_feed("orders")
('stg_orders_resolved', 'resolved_orders', 'orders (lookups resolved later)')
"""

from __future__ import annotations

from generator.spec.model import Spec

RESOLVED_STAGE = "stg_{}_resolved"  # the longest name dvkit makes of a source with lookups
RESOLVED_VIEW = "resolved_{}"
# How a table's definition names the rows of a source it reads through the resolved stage: reading
# them is a feed of its own, so that a vault built before it existed catches up (an additive change).
RESOLVED_FEED = "{} (lookups resolved later)"


def resolved_stage(source: str) -> str:
    """The stage of the rows of ``source`` resolved later."""
    return RESOLVED_STAGE.format(source)


def resolved_view(source: str) -> str:
    """The view of the rows of ``source`` resolved later, with their looked-up columns."""
    return RESOLVED_VIEW.format(source)


def resolved_feed(source: str) -> str:
    """The key of a definition's feed of the rows of ``source`` resolved later."""
    return RESOLVED_FEED.format(source)


def is_resolved_feed(feed: str) -> bool:
    """Whether a definition's feed is one of resolved rows.

    >>> is_resolved_feed("orders (lookups resolved later)"), is_resolved_feed("orders")
    (True, False)
    """
    prefix, suffix = RESOLVED_FEED.split("{}")
    return feed.startswith(prefix) and feed.endswith(suffix) and len(feed) > len(suffix)


def lookups_of(spec: Spec, source: str, columns: tuple[str, ...]) -> tuple[str, ...]:
    """The sources that ``source`` looks up any of ``columns`` from, in lookup order (none: the
    columns are all its own, and no later delivery can change them)."""
    return tuple(lookup.source for lookup in spec.source(source).lookups
                 if any(column in lookup.columns for column in columns))
