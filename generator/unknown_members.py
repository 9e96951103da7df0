"""Facts that point at a dimension's unknown member: referential gaps, counted instead of failing.

A fact whose dimension row has not arrived yet (an order before its customer) or was quarantined
(an unreadable line) points at the dimension's unknown member, keyed ``UNKNOWN_KEY``. The marts
build; this module counts those facts so that the build can say how many wait for their row. The
next build that brings the row links the fact to it, and the count goes down.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.db import Database
from generator.places import MARTS

UNKNOWN_KEY = "(unknown)"  # the key of every dimension's unknown member (business_vault/macros/unknown_member.sql)


@dataclass(frozen=True)
class Gap:
    """A fact's key into a dimension, and what its facts are called when they point at the unknown member."""

    fact: str
    column: str
    what: str

    def warning(self, count: int) -> str:
        """The build's line for ``count`` facts at the unknown member.

        >>> Gap("fct_orders", "customer_unique_id", "orders without a customer yet").warning(12)
        'warning: fct_orders: 12 orders without a customer yet (customer_unique_id = (unknown))'
        """
        return f"warning: {self.fact}: {count:,} {self.what} ({self.column} = {UNKNOWN_KEY})"


GAPS = (
    Gap("fct_orders", "customer_unique_id", "orders without a customer yet"),
    Gap("fct_order_items", "product_id", "order items without a product yet"),
    Gap("fct_order_items", "seller_id", "order items without a seller yet"),
)


def count_unknown_members(db: Database) -> list[tuple[Gap, int]]:
    """Every gap of ``GAPS`` with the number of its fact rows at the unknown member (0 included).

    A fact table that is not built (no business vault, or not yet) is left out.
    """
    from psycopg import sql

    found: list[tuple[Gap, int]] = []
    with db.connect() as conn:
        for gap in GAPS:
            exists = conn.execute("select to_regclass(%s) is not null", (f"{MARTS}.{gap.fact}",)).fetchone()
            if not (exists and exists[0]):
                continue
            query = sql.SQL("select count(*) from {} where {} = %s").format(
                sql.Identifier(MARTS, gap.fact), sql.Identifier(gap.column))
            row = conn.execute(query, (UNKNOWN_KEY,)).fetchone()
            found.append((gap, int(row[0]) if row else 0))
    return found


def unknown_member_warnings(db: Database) -> list[str]:
    """One warning line per gap with facts at the unknown member; none when every fact has its row."""
    return [gap.warning(count) for gap, count in count_unknown_members(db) if count]
