"""The analyst's report on the marts: orders and revenue by month, late deliveries by state, top sellers.

``build_report`` reads the marts built by ``business_vault/`` (schema ``marts``) into plain
dataclasses, ``print_report`` shows them as tables and ``write_chart`` draws them in one PNG of
1600 x 1000 pixels whose bytes depend only on the figures (no date, no software version inside).

What is counted:

- orders and revenue: every order of ``marts.fct_orders`` with a purchase month, by that month
  (months without orders between the first and the last are shown as zero); revenue is the sum of
  ``order_value`` (items + freight; an order without items adds nothing);
- late deliveries: ``marts.mart_delivery_sla_monthly`` summed over all months per customer state,
  so delivered orders only; the rate is late / delivered, worst states first. The mart's merged
  groups, ``(other)`` (a month's states too small to show alone) and ``(unknown)`` (no customer
  yet), count in the overall figure but are not states: they are neither ranked nor counted;
- top sellers: ``marts.mart_seller_scorecard`` by revenue; a seller's late rate is its late
  orders / delivered orders (none when nothing was delivered).

Rates are computed here from the counts, never read from the marts' own rate columns, so the report
does not depend on whether a mart stores a fraction or a percentage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Column, Table

from generator.db import Database
from generator.errors import DvkitError

MARTS = ("marts.fct_orders", "marts.mart_delivery_sla_monthly", "marts.mart_seller_scorecard")
TOP = 10
CURRENCY = "BRL"  # Olist's prices are in Brazilian reais
WIDTH_PX, HEIGHT_PX, DPI = 1600, 1000, 100


def require_matplotlib() -> None:
    """Refuse at once, saying how to fix it, when matplotlib (the ``olist`` extra) is not installed."""
    try:
        import matplotlib  # noqa: F401  (only whether it imports matters here)
    except ImportError:
        raise DvkitError("the report's chart needs matplotlib, which is not installed",
                         hint="install the Olist example's extra: pip install -e '.[olist]' (make install does)",
                         ) from None


class MartsMissing(DvkitError):
    """The marts the report reads have not been built (yet)."""


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date  # first day of the purchase month
    orders: int
    revenue: Decimal


@dataclass(frozen=True)
class StateLateness:
    state: str  # customer state, or "all states" for the overall figure
    delivered_orders: int
    late_orders: int

    @property
    def late_rate(self) -> float:
        return self.late_orders / self.delivered_orders if self.delivered_orders else 0.0


@dataclass(frozen=True)
class SellerFigures:
    seller_id: str
    seller_state: str | None
    revenue: Decimal
    orders: int
    items_sold: int
    avg_review_score: Decimal | None
    delivered_orders: int
    late_orders: int

    @property
    def late_rate(self) -> float | None:
        return self.late_orders / self.delivered_orders if self.delivered_orders else None


@dataclass(frozen=True)
class Report:
    months: list[MonthFigures]  # in month order
    late_states: list[StateLateness]  # the worst ``TOP`` states by late rate
    late_overall: StateLateness  # every state together
    states: int  # states with at least one delivered order
    top_sellers: list[SellerFigures]  # by revenue, highest first

    @property
    def orders(self) -> int:
        return sum(m.orders for m in self.months)

    @property
    def revenue(self) -> Decimal:
        return sum((m.revenue for m in self.months), Decimal(0))


# -- reading the marts ---------------------------------------------------------------------------

MONTHS_SQL = """
select purchase_month, count(*), coalesce(sum(order_value), 0)
from marts.fct_orders
where purchase_month is not null
group by purchase_month
order by purchase_month
"""

# Rows of mart_delivery_sla_monthly that are not one state (see business_vault/macros/min_cell_rows.sql).
MERGED_GROUPS = frozenset({"(other)", "(unknown)"})
STATES_SQL = """
select coalesce(customer_state, '?'), sum(delivered_orders)::bigint, coalesce(sum(late_orders), 0)::bigint
from marts.mart_delivery_sla_monthly
group by 1
having sum(delivered_orders) > 0
"""

SELLERS_SQL = """
select seller_id, seller_state, coalesce(revenue, 0), coalesce(orders, 0), coalesce(items_sold, 0),
       avg_review_score, coalesce(delivered_orders, 0), coalesce(late_orders, 0)
from marts.mart_seller_scorecard
order by revenue desc nulls last, seller_id
limit %(limit)s
"""


def missing_marts(conn: psycopg.Connection[Any]) -> list[str]:
    """The marts of ``MARTS`` that do not exist in the database."""
    missing = []
    for name in MARTS:
        row = conn.execute("select to_regclass(%s) is not null", (name,)).fetchone()
        if not row or not row[0]:
            missing.append(name)
    return missing


def build_report(db: Database, top: int = TOP) -> Report:
    """Read the report's figures from the marts; ``MartsMissing`` (a DvkitError) when they are not built."""
    with db.connect() as conn:
        missing = missing_marts(conn)
        if missing:
            raise MartsMissing(f"the marts are not built yet: {', '.join(missing)} missing",
                               hint="run `dvkit build` (it builds business_vault/ and its marts)")
        try:
            months = _every_month([MonthFigures(_as_date(month), int(orders), _decimal(revenue))
                                   for month, orders, revenue in conn.execute(MONTHS_SQL).fetchall()])
            states = [StateLateness(str(state), int(delivered), int(late))
                      for state, delivered, late in conn.execute(STATES_SQL).fetchall()]
            sellers = [SellerFigures(str(seller), state, _decimal(revenue), int(orders), int(items),
                                     None if score is None else _decimal(score), int(delivered), int(late))
                       for seller, state, revenue, orders, items, score, delivered, late
                       in conn.execute(SELLERS_SQL, {"limit": top}).fetchall()]
        except (psycopg.errors.UndefinedColumn, psycopg.errors.UndefinedTable) as exc:
            raise DvkitError(f"the marts do not have what the report reads: {exc.diag.message_primary or exc}",
                             hint="run `dvkit build` to rebuild the marts") from None
    overall = StateLateness("all states", sum(s.delivered_orders for s in states),
                            sum(s.late_orders for s in states))
    states = [s for s in states if s.state not in MERGED_GROUPS]
    # Worst first; ties: more deliveries first (the surer figure), then by state.
    ranked = sorted(states, key=lambda s: (-Fraction(s.late_orders, s.delivered_orders), -s.delivered_orders,
                                           s.state))
    return Report(months=months, late_states=ranked[:top], late_overall=overall, states=len(states),
                  top_sellers=sellers)


def _every_month(months: list[MonthFigures]) -> list[MonthFigures]:
    """The months from the first to the last, those without orders as zero: a time axis shows no false continuity."""
    if not months:
        return months
    found = {(m.month.year, m.month.month): m for m in months}
    (year, month), last = min(found), max(found)
    every = []
    while (year, month) <= last:
        every.append(found.get((year, month)) or MonthFigures(dt.date(year, month, 1), 0, Decimal(0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return every


def _as_date(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _decimal(value: Decimal | int | float) -> Decimal:
    """numeric arrives as Decimal; a double precision column as float, taken at its shortest repr."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


# -- tables --------------------------------------------------------------------------------------

def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def print_report(report: Report, console: Console) -> None:
    """Print the report as three tables."""
    if not report.months:
        console.print("report: the marts hold no order yet", markup=False)
    else:
        first, last = report.months[0].month, report.months[-1].month
        console.print(f"\nreport: {report.orders:,} orders, {_money(report.revenue)} {CURRENCY} revenue, "
                      f"purchased {first:%Y-%m} to {last:%Y-%m}", markup=False)
    months = Table("month", Column("orders", justify="right"), Column(f"revenue ({CURRENCY})", justify="right"),
                   Column("per order", justify="right"), title="Orders and revenue by purchase month",
                   show_footer=bool(report.months))
    for m in report.months:
        months.add_row(f"{m.month:%Y-%m}", f"{m.orders:,}", _money(m.revenue),
                       _money(m.revenue / m.orders) if m.orders else "-")
    months.columns[0].footer = "total"
    months.columns[1].footer = f"{report.orders:,}"
    months.columns[2].footer = _money(report.revenue)
    months.columns[3].footer = _money(report.revenue / report.orders) if report.orders else "-"
    console.print(months)

    late = Table("state", Column("delivered", justify="right"), Column("late", justify="right"),
                 Column("late rate", justify="right"),
                 title=f"Late deliveries by customer state (delivered orders; worst {len(report.late_states)} "
                       f"of {report.states} states)")
    for s in report.late_states:
        late.add_row(s.state, f"{s.delivered_orders:,}", f"{s.late_orders:,}", _rate(s.late_rate))
    overall = report.late_overall
    late.add_section()
    late.add_row(f"all {report.states} states", f"{overall.delivered_orders:,}", f"{overall.late_orders:,}",
                 _rate(overall.late_rate if overall.delivered_orders else None))
    console.print(late)

    sellers = Table(Column("#", justify="right"), "seller_id", "state",
                    Column(f"revenue ({CURRENCY})", justify="right"), Column("orders", justify="right"),
                    Column("items", justify="right"),
                    Column("avg review", justify="right"), Column("late rate", justify="right"),
                    title=f"Top {len(report.top_sellers)} sellers by revenue")
    for rank, s in enumerate(report.top_sellers, 1):
        sellers.add_row(str(rank), s.seller_id, s.seller_state or "?", _money(s.revenue), f"{s.orders:,}",
                        f"{s.items_sold:,}", "-" if s.avg_review_score is None else f"{s.avg_review_score:.2f}",
                        _rate(s.late_rate))
    console.print(sellers)


# -- the chart -----------------------------------------------------------------------------------

def _thousands(value: float, _position: object = None) -> str:
    """Short money for axes and bar labels: 950, 1.2k, 250k, 1.5M."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            return f"{value / size:,.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}"


def _no_data(axes: Any, what: str) -> None:
    axes.text(0.5, 0.5, f"no {what} yet", ha="center", va="center", transform=axes.transAxes, color="grey")
    axes.set_xticks([])
    axes.set_yticks([])


def write_chart(report: Report, path: Path) -> Path:
    """Draw the report in one PNG of 1600 x 1000 pixels at ``path``; the same report gives the same bytes."""
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    with matplotlib.style.context("default"):  # the user's matplotlibrc must not change the picture
        figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)  # drawn with Agg: no display, no interactive backend
        grid = figure.add_gridspec(2, 2, height_ratios=(1, 1.1))
        _months_panel(figure.add_subplot(grid[0, :]), report, FuncFormatter(_thousands))
        _late_panel(figure.add_subplot(grid[1, 0]), report, PercentFormatter(1.0))
        _sellers_panel(figure.add_subplot(grid[1, 1]), report, FuncFormatter(_thousands))
        subtitle = (f"{report.orders:,} orders, {_money(report.revenue)} {CURRENCY} revenue"
                    + (f", {report.months[0].month:%Y-%m} to {report.months[-1].month:%Y-%m}" if report.months else ""))
        figure.suptitle(f"Olist marketplace: orders, late deliveries and top sellers\n{subtitle}", fontsize=15)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png", dpi=DPI, metadata={"Software": None})
    return path


def _months_panel(axes: Any, report: Report, money: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.set_title("Orders and revenue by purchase month", fontsize=13, loc="left")
    if not report.months:
        _no_data(axes, "orders")
        return
    positions = list(range(len(report.months)))
    bars = axes.bar(positions, [m.orders for m in report.months], color="#4c72b0", label="orders (bars, left axis)")
    axes.set_ylabel("orders")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("purchase month")
    step = max(1, len(positions) // 30)  # at most about 30 month labels
    axes.set_xticks(positions[::step], [f"{m.month:%Y-%m}" for m in report.months][::step], rotation=45,
                    ha="right")
    axes.set_xlim(-0.6, len(positions) - 0.4)
    axes.grid(axis="y", alpha=0.3)
    revenue_axes = axes.twinx()
    (line,) = revenue_axes.plot(positions, [float(m.revenue) for m in report.months], color="#dd8452",
                                marker="o", linewidth=2, label=f"revenue (line, right axis, {CURRENCY})")
    revenue_axes.set_ylabel(f"revenue ({CURRENCY})")
    revenue_axes.yaxis.set_major_formatter(money)
    revenue_axes.set_ylim(bottom=0)
    axes.legend(handles=[bars, line], loc="upper left")


def _late_panel(axes: Any, report: Report, percent: Any) -> None:
    axes.set_title(f"Late-delivery rate by customer state (worst {len(report.late_states)} of {report.states})",
                   fontsize=13, loc="left")
    if not report.late_states:
        _no_data(axes, "delivered orders")
        return
    labels = [f"{s.state} ({s.delivered_orders:,} delivered)" for s in report.late_states]
    rates = [s.late_rate for s in report.late_states]
    positions = list(range(len(rates)))
    axes.barh(positions, rates, color="#c44e52")
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()  # worst on top
    for y, rate in zip(positions, rates, strict=True):
        axes.text(rate, y, f" {rate:.1%}", va="center", fontsize=9)
    overall, delivered = report.late_overall.late_rate, report.late_overall.delivered_orders
    axes.axvline(overall, color="black", linestyle="--", linewidth=1,
                 label=f"all {report.states} states: {overall:.1%} of {delivered:,} delivered")
    axes.set_xlim(0, max(max(rates), overall) * 1.18 or 1)
    axes.xaxis.set_major_formatter(percent)
    axes.set_xlabel("late deliveries (% of delivered orders)")
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="lower right")


def _sellers_panel(axes: Any, report: Report, money: Any) -> None:
    axes.set_title(f"Top {len(report.top_sellers)} sellers by revenue", fontsize=13, loc="left")
    if not report.top_sellers:
        _no_data(axes, "sellers")
        return
    labels = [f"{rank}. {s.seller_id[:8]} ({s.seller_state or '?'})" for rank, s in enumerate(report.top_sellers, 1)]
    revenue = [float(s.revenue) for s in report.top_sellers]
    positions = list(range(len(revenue)))
    axes.barh(positions, revenue, color="#55a868")
    axes.set_yticks(positions, labels, fontfamily="monospace")
    axes.invert_yaxis()  # highest on top
    for y, seller in zip(positions, report.top_sellers, strict=True):
        score = "-" if seller.avg_review_score is None else f"{seller.avg_review_score:.1f}"
        axes.text(float(seller.revenue), y, f" {_thousands(float(seller.revenue))} | {seller.orders:,} orders"
                  f" | review {score}", va="center", fontsize=9)
    axes.set_xlim(0, max(revenue) * 1.45 or 1)
    axes.xaxis.set_major_formatter(money)
    axes.set_xlabel(f"revenue ({CURRENCY}); seller_id shortened to 8 characters")
    axes.grid(axis="x", alpha=0.3)
