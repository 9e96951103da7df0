"""The demo report on small marts of known rows: exact figures, tables, a deterministic PNG, the CLI."""

from __future__ import annotations

import datetime as dt
import shutil
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from generator.cli import main
from generator.db import Database
from generator.errors import DvkitError
from olist_example.report import (
    MartsMissing,
    MonthFigures,
    Report,
    StateLateness,
    build_report,
    print_report,
    write_chart,
)

from .conftest import REPO

pytestmark = pytest.mark.db

MARTS_DDL = """
create schema marts;
create table marts.fct_orders (
    order_id text, customer_unique_id text, order_status text, purchased_at timestamp, purchase_month date,
    customer_state text, order_value numeric, payment_value numeric, is_delivered boolean, is_late boolean,
    days_to_deliver integer);
create table marts.mart_seller_scorecard (
    seller_id text, seller_state text, orders bigint, items_sold bigint, revenue numeric, freight_value numeric,
    avg_review_score numeric, delivered_orders bigint, late_orders bigint, late_rate numeric);
create table marts.mart_delivery_sla_monthly (
    delivery_month date, customer_state text, delivered_orders bigint, late_orders bigint, late_rate numeric,
    avg_days_to_deliver numeric);
"""

ORDERS = [  # order, customer, status, purchased, month, state, value, payment, delivered, late, days
    ("o1", "c1", "delivered", "2017-01-05 10:00", "2017-01-01", "SP", "100.00", "100.00", True, False, 5),
    ("o2", "c2", "delivered", "2017-01-20 08:30", "2017-01-01", "RJ", "50.50", "50.50", True, True, 20),
    ("o3", "c1", "canceled", "2017-01-25 23:59", "2017-01-01", "SP", None, "0.00", False, None, None),
    ("o4", "c3", "delivered", "2017-02-03 12:00", "2017-02-01", "SP", "200.25", "210.00", True, True, 15),
    ("o5", "c4", "shipped", "2017-02-10 09:00", "2017-02-01", "MG", "10.00", "10.00", False, None, None),
    ("o6", "c5", "delivered", "2017-03-01 00:00", "2017-03-01", "RJ", "30.00", "30.00", True, False, 7),
    ("o7", "c6", "delivered", "2017-05-31 18:00", "2017-05-01", None, "19.99", "19.99", True, False, 3),
    ("o8", "c7", "created", "2016-12-31 23:00", None, "SP", "5.00", "5.00", False, None, None),  # no month: left out
]

# state -> (delivered, late) per delivery month; 12 states, so the report keeps the worst 10.
SLA = {
    "SP": [(10, 1), (10, 2)], "RJ": [(5, 1), (5, 1)], "MG": [(8, 0)], "RR": [(2, 1)], "AP": [(4, 2)],
    "AM": [(3, 1)], "BA": [(6, 1)], "PR": [(7, 1)], "SC": [(9, 1)], "RS": [(10, 1)], "GO": [(5, 0)], "DF": [(4, 0)],
    # Groups of the small-cell rule and of orders without a customer yet: in the total, not states.
    "(other)": [(6, 6)], "(unknown)": [(1, 1)],
}

SELLERS = [  # seller, state, orders, items, revenue, freight, review, delivered, late
    (f"s{n:02d}", "SP" if n % 2 else "PR", n, n + 1, Decimal(1000 - 50 * n), Decimal(n), Decimal("4.5"), n, n // 3)
    for n in range(1, 13)
]
SELLERS[2] = ("s03", None, 3, 3, Decimal(950), Decimal(3), None, 0, 0)  # same revenue as s01; no review, none delivered


def _fill(db: Database) -> None:
    with db.connect() as conn:
        conn.execute(MARTS_DDL)
        with conn.cursor() as cur:
            cur.executemany("insert into marts.fct_orders values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                            ORDERS)
            cur.executemany("insert into marts.mart_delivery_sla_monthly values (%s, %s, %s, %s, %s, %s)",
                            [(dt.date(2017, 1 + i, 1), state, d, late, Decimal(late) / d, Decimal(9))
                             for state, months in SLA.items() for i, (d, late) in enumerate(months)])
            cur.executemany("insert into marts.mart_seller_scorecard values (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                            "%s)", [(*row, Decimal(row[8]) / row[7] if row[7] else None) for row in SELLERS])


@pytest.fixture()
def marts_db(fresh_db: Database) -> Database:
    _fill(fresh_db)
    return fresh_db


@pytest.fixture()
def report(marts_db: Database) -> Report:
    return build_report(marts_db)


def test_orders_and_revenue_by_month(report: Report) -> None:
    assert report.months == [
        MonthFigures(dt.date(2017, 1, 1), 3, Decimal("150.50")),  # the canceled order without items counts, adds 0
        MonthFigures(dt.date(2017, 2, 1), 2, Decimal("210.25")),
        MonthFigures(dt.date(2017, 3, 1), 1, Decimal("30.00")),
        MonthFigures(dt.date(2017, 4, 1), 0, Decimal(0)),  # no order that month: shown as zero
        MonthFigures(dt.date(2017, 5, 1), 1, Decimal("19.99")),
    ]
    assert (report.orders, report.revenue) == (7, Decimal("410.74"))


def test_months_without_orders_are_filled_across_a_year_end() -> None:
    from olist_example.report import _every_month

    filled = _every_month([MonthFigures(dt.date(2016, 10, 1), 3, Decimal(5)),
                           MonthFigures(dt.date(2017, 1, 1), 1, Decimal(2))])
    assert [(m.month, m.orders) for m in filled] == [
        (dt.date(2016, 10, 1), 3), (dt.date(2016, 11, 1), 0), (dt.date(2016, 12, 1), 0), (dt.date(2017, 1, 1), 1)]
    assert _every_month([]) == []


def test_late_rate_by_state_worst_ten_and_overall(report: Report) -> None:
    assert [(s.state, s.delivered_orders, s.late_orders) for s in report.late_states] == [
        ("AP", 4, 2), ("RR", 2, 1),  # both 50%: more deliveries first
        ("AM", 3, 1), ("RJ", 10, 2), ("BA", 6, 1), ("SP", 20, 3), ("PR", 7, 1), ("SC", 9, 1), ("RS", 10, 1),
        ("MG", 8, 0),  # 0%, ahead of GO (5) and DF (4), which are cut
    ]
    assert report.late_states[3].late_rate == 0.2
    assert report.states == 12
    assert report.late_overall == StateLateness("all states", 95, 20)


def test_top_ten_sellers_by_revenue(report: Report) -> None:
    top = report.top_sellers
    assert [s.seller_id for s in top] == ["s01", "s03", "s02", "s04", "s05", "s06", "s07", "s08", "s09", "s10"]
    first, tied = top[0], top[1]
    assert (first.revenue, first.orders, first.items_sold, first.avg_review_score) == (Decimal(950), 1, 2,
                                                                                        Decimal("4.5"))
    assert first.late_rate == 0.0
    assert (tied.seller_state, tied.avg_review_score, tied.late_rate) == (None, None, None)
    assert top[5].seller_id == "s06" and top[5].late_rate == 2 / 6


def test_tables_show_the_figures(report: Report) -> None:
    console = Console(record=True, width=160)
    print_report(report, console)
    text = console.export_text()
    assert "report: 7 orders, 410.74 BRL revenue, purchased 2017-01 to 2017-05" in text
    for expected in ("2017-02", "210.25", "total", "AP", "50.0%", "all 12 states", "21.1%", "s01", "950.00",
                     "4.50", "Top 10 sellers by revenue", "worst 10 of 12 states"):
        assert expected in text, expected


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind, body = data[offset + 4:offset + 8], data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks.append((kind, body))
        offset += 12 + length
    return chunks


def test_chart_is_a_1600_by_1000_png_and_the_same_bytes_every_time(report: Report, tmp_path: Path) -> None:
    first = write_chart(report, tmp_path / "a" / "report.png")
    second = write_chart(report, tmp_path / "b.png")
    data = first.read_bytes()
    chunks = _png_chunks(data)
    assert chunks[0][0] == b"IHDR" and struct.unpack(">II", chunks[0][1][:8]) == (1600, 1000)
    assert chunks[-1][0] == b"IEND"
    kinds = {kind for kind, _ in chunks}
    assert b"tIME" not in kinds
    assert not any(b"Software" in body or b"matplotlib" in body for kind, body in chunks if kind in (b"tEXt", b"iTXt"))
    assert data == second.read_bytes()


def test_an_empty_report_still_draws_and_prints(tmp_path: Path) -> None:
    empty = Report(months=[], late_states=[], late_overall=StateLateness("all states", 0, 0), states=0,
                   top_sellers=[])
    assert _png_chunks(write_chart(empty, tmp_path / "empty.png").read_bytes())[0][0] == b"IHDR"
    console = Console(record=True, width=120)
    print_report(empty, console)
    assert "the marts hold no order yet" in console.export_text()


def test_missing_marts_say_to_build(fresh_db: Database) -> None:
    with pytest.raises(DvkitError) as caught:
        build_report(fresh_db)
    assert isinstance(caught.value, MartsMissing)
    assert "marts.fct_orders" in caught.value.message and "marts.mart_seller_scorecard" in caught.value.message
    assert "dvkit build" in (caught.value.hint or "")


def test_only_the_missing_marts_are_named(fresh_db: Database) -> None:
    with fresh_db.connect() as conn:
        conn.execute("create schema marts; create table marts.fct_orders (order_id text)")
    with pytest.raises(MartsMissing) as caught:
        build_report(fresh_db)
    assert caught.value.message == ("the marts are not built yet: marts.mart_delivery_sla_monthly, "
                                    "marts.mart_seller_scorecard missing")


def test_a_mart_without_a_contract_column_is_a_clear_error(fresh_db: Database) -> None:
    with fresh_db.connect() as conn:
        conn.execute(MARTS_DDL.replace("order_value numeric,", ""))
    with pytest.raises(DvkitError) as caught:
        build_report(fresh_db)
    assert "order_value" in caught.value.message and "dvkit build" in (caught.value.hint or "")


def _cli_project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "vault_spec", tmp_path / "vault_spec")
    return tmp_path


def _url(db: Database) -> str:
    return f"postgresql://{db.user}@/{db.dbname}?host={db.host}&port={db.port}"


def test_cli_report_prints_tables_and_writes_the_png(marts_db: Database, tmp_path: Path) -> None:
    project = _cli_project(tmp_path)
    result = CliRunner().invoke(main, ["--project", str(project), "report"],
                                env={"DVKIT_DATABASE_URL": _url(marts_db)})
    assert result.exit_code == 0, result.output
    assert "Orders and revenue by purchase month" in result.output and "all 12 states" in result.output
    assert (project / ".dvkit" / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    chosen = tmp_path / "out" / "chart.png"
    result = CliRunner().invoke(main, ["--project", str(project), "report", "--png", str(chosen)],
                                env={"DVKIT_DATABASE_URL": _url(marts_db)})
    assert result.exit_code == 0, result.output
    assert f"chart: {chosen}" in result.output
    assert chosen.read_bytes() == (project / ".dvkit" / "report.png").read_bytes()


def test_cli_report_without_marts_is_one_message_and_exit_1(fresh_db: Database, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--project", str(_cli_project(tmp_path)), "report"],
                                env={"DVKIT_DATABASE_URL": _url(fresh_db)})
    assert result.exit_code == 1
    assert "the marts are not built yet" in result.output and "hint: run `dvkit build`" in result.output
    assert "Traceback" not in result.output


def test_the_demo_says_why_there_is_no_report_and_goes_on(fresh_db: Database, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from olist_example.commands import show_report

    show_report(tmp_path, fresh_db, None, in_demo=True)  # no DvkitError: the demo still prints how to connect
    assert "no report: the marts are not built yet" in capsys.readouterr().out
    assert not (tmp_path / ".dvkit" / "report.png").exists()
    with pytest.raises(MartsMissing):
        show_report(tmp_path, fresh_db, None)
