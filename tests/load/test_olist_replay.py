"""Replaying an Olist snapshot by the project's rules as period batches: timing rules, modes, ranges, lines, errors.

Most tests use a small hand-written folder (plain and gzip files, a BOM, CRLF inside a quoted
review comment) whose every row has a known fate; the rest check invariants on the real subset in
``../shared/data/olist`` beside the project (skipped when absent).
"""

from __future__ import annotations

import datetime as dt
import doctest
import functools
import gzip
from pathlib import Path

import pytest

import generator.load.replay_plan as replay
import generator.load.replay_rules as replay_rules
from generator.errors import DvkitError
from generator.load.reader import find_file, open_text, read_header, rows_with_lines
from generator.load.replay_plan import ReplayBatch, period_end
from tests.conftest import OLIST_DATA, OLIST_RULES

# The Olist files, named as the project's replay rules name them.
FILE_ORDER = tuple(rule.file for rule in OLIST_RULES.files)
(ORDERS, CUSTOMERS, ITEMS, PAYMENTS, REVIEWS, PRODUCTS, SELLERS, GEOLOCATION, TRANSLATION, LEADS,
 DEALS) = FILE_ORDER
plan_replay = functools.partial(replay.plan_replay, rules=OLIST_RULES)

T = dt.datetime

# --- a small snapshot whose every row has a known fate ------------------------------------------

ORDERS_CSV = (
    '"order_id","customer_id","order_status","order_purchase_timestamp","order_approved_at",'
    '"order_delivered_carrier_date","order_delivered_customer_date","order_estimated_delivery_date"\n'
    'o1,c1,delivered,2017-01-31 22:00:00,2017-02-01 09:00:00,2017-03-05 10:00:00,2017-04-02 12:00:00,'
    "2017-04-20 00:00:00\n"  # line 2: moves through four months
    "o2,c2,canceled,2017-02-10 08:00:00,2017-02-11 08:00:00,,,2017-03-01 00:00:00\n"  # line 3
    "o3,c3,unavailable,,,,,\n"  # line 4: no timestamp at all
    "o4,c4,shipped,2017-03-15 09:00:00,2017-03-15 09:10:00,2017-03-20 10:00:00,,2017-04-10 00:00:00\n"  # 5
)
CUSTOMERS_CSV = (
    '"customer_id","customer_unique_id","customer_zip_code_prefix","customer_city","customer_state"\n'
    'c1,u1,"01001",sao paulo,SP\nc2,u2,"01002",sao paulo,SP\nc3,u3,"01003",sao paulo,SP\n'
    'c4,u1,"01001",sao paulo,SP\ncx,ux,"01009",sao paulo,SP\n'  # cx (line 6): no order
)
ITEMS_CSV = (
    '"order_id","order_item_id","product_id","seller_id","shipping_limit_date","price","freight_value"\n'
    "o1,1,p1,s1,2017-02-05 09:00:00,10.00,1.00\n"  # line 2
    "o4,1,p2,s1,2017-03-19 09:00:00,20.00,2.00\n"  # line 3
    "o4,2,p1,s1,2017-03-19 09:00:00,10.00,1.00\n"  # line 4
    "ox,1,p2,s1,2017-01-01 00:00:00,20.00,2.00\n"  # line 5: its order is not in the snapshot
)
PAYMENTS_CSV = (
    '"order_id","payment_sequential","payment_type","payment_installments","payment_value"\n'
    "o1,1,credit_card,1,11.00\no2,1,boleto,1,5.00\no4,1,voucher,1,33.00\n"
)
REVIEWS_CSV = (
    '"review_id","order_id","review_score","review_comment_title","review_comment_message",'
    '"review_creation_date","review_answer_timestamp"\r\n'
    '"r1","o1",5,,"bom\r\nmuito bom",2017-04-03 00:00:00,2017-05-02 10:00:00\r\n'  # lines 2-3
    '"r2","o4",4,,,2017-03-25 00:00:00,2017-03-26 08:00:00\r\n'  # line 4
)
PRODUCTS_CSV = (
    '"product_id","product_category_name","product_name_lenght","product_description_lenght",'
    '"product_photos_qty","product_weight_g","product_length_cm","product_height_cm","product_width_cm"\n'
    "p1,beleza_saude,40,300,1,100,10,10,10\np2,informatica_acessorios,40,300,1,100,10,10,10\n"
    "p3,,,,,,,,\n"  # line 4: never sold
)
SELLERS_CSV = (
    '"seller_id","seller_zip_code_prefix","seller_city","seller_state"\n'
    's1,"13844",mogi guacu,SP\ns2,"20920",rio de janeiro,RJ\ns3,"30000",belo horizonte,MG\n'
)
GEOLOCATION_CSV = (
    '"geolocation_zip_code_prefix","geolocation_lat","geolocation_lng","geolocation_city","geolocation_state"\n'
    '"01001",-23.55,-46.63,sao paulo,SP\n"13844",-22.36,-46.94,mogi guacu,SP\n'
)
TRANSLATION_CSV = "\ufeffproduct_category_name,product_category_name_english\r\nbeleza_saude,health_beauty\r\n"
LEADS_CSV = (
    "mql_id,first_contact_date,landing_page_id,origin\n"
    "m1,2017-02-05,lp1,social\nm2,2017-05-31,lp2,organic_search\n"
)
DEALS_CSV = (
    "mql_id,seller_id,sdr_id,sr_id,won_date,business_segment,lead_type,lead_behaviour_profile,has_company,"
    "has_gtin,average_stock,business_type,declared_product_catalog_size,declared_monthly_revenue\n"
    "m1,s2,sdr1,sr1,2017-02-20 13:00:00,pet,online_medium,cat,,,,reseller,,0.0\n"  # line 2
    "m9,s9,sdr1,sr1,,pet,online_medium,cat,,,,reseller,,0.0\n"  # line 3: no won date
)
MINI = {
    ORDERS: (ORDERS_CSV, True), CUSTOMERS: (CUSTOMERS_CSV, False), ITEMS: (ITEMS_CSV, True),
    PAYMENTS: (PAYMENTS_CSV, False), REVIEWS: (REVIEWS_CSV, False), PRODUCTS: (PRODUCTS_CSV, False),
    SELLERS: (SELLERS_CSV, False), GEOLOCATION: (GEOLOCATION_CSV, True), TRANSLATION: (TRANSLATION_CSV, False),
    LEADS: (LEADS_CSV, False), DEALS: (DEALS_CSV, True),
}


def write_folder(folder: Path, files: dict[str, tuple[str, bool]] = MINI) -> Path:
    """Write ``{name: (text, gzip?)}`` into folder, byte for byte."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (text, compressed) in files.items():
        raw = text.encode()
        if compressed:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    return folder


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "olist")


def history(batches: list[ReplayBatch], key: str, line: int) -> list[tuple[dt.datetime, tuple[str, ...]]]:
    """Every delivery of one snapshot row: (period end, fields)."""
    return [(batch.period_end, fields) for batch in batches for at, fields in batch.extracts[key].rows if at == line]


def lines(batch: ReplayBatch, key: str) -> list[int]:
    return [line for line, _ in batch.extracts[key].rows]


def snapshot_rows(folder: Path, key: str) -> list[tuple[int, tuple[str, ...]]]:
    """The file's rows read directly, to compare the replay with."""
    path = find_file(folder, key)
    assert path is not None
    with open_text(path) as handle:
        read_header(handle, path)
        return [(line, tuple(fields)) for line, fields in rows_with_lines(handle) if fields]


def folded(batches: list[ReplayBatch]) -> list[dict[str, dict[int, tuple[str, ...]]]]:
    """The state after each changes batch: every row known so far, as last delivered."""
    state: dict[str, dict[int, tuple[str, ...]]] = {}
    states = []
    for batch in batches:
        for key, extract in batch.extracts.items():
            state.setdefault(key, {}).update(extract.rows)
        states.append({key: dict(rows) for key, rows in state.items()})
    return states


def as_state(batch: ReplayBatch) -> dict[str, dict[int, tuple[str, ...]]]:
    return {key: dict(extract.rows) for key, extract in batch.extracts.items()}


# --- periods ------------------------------------------------------------------------------------


def test_doctests() -> None:
    assert doctest.testmod(replay).failed == 0
    assert doctest.testmod(replay_rules).failed == 0


def test_period_ends() -> None:
    assert period_end(T(2017, 1, 1, 12), "week") == T(2017, 1, 1, 23, 59, 59)  # a Sunday ends its week
    assert period_end(T(2017, 1, 2), "week") == T(2017, 1, 8, 23, 59, 59)  # a Monday starts one
    assert period_end(T(2016, 12, 31, 23, 59, 59), "week") == T(2017, 1, 1, 23, 59, 59)  # across the year
    assert period_end(T(2016, 2, 10), "month") == T(2016, 2, 29, 23, 59, 59)
    assert period_end(T(2017, 12, 31, 23, 59, 59), "month") == T(2017, 12, 31, 23, 59, 59)
    assert period_end(T(2017, 3, 5, 0, 0, 0), "day") == T(2017, 3, 5, 23, 59, 59)


def test_batches_end_on_period_ends(mini: Path) -> None:
    months = [b.period_end for b in plan_replay(mini, "month")]
    assert months == [T(2017, m, d, 23, 59, 59) for m, d in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31))]
    weeks = [b.period_end for b in plan_replay(mini, "week")]
    assert weeks[0] == T(2017, 2, 5, 23, 59, 59)  # the data starts on Tuesday 2017-01-31
    assert all(end.weekday() == 6 and end.time() == dt.time(23, 59, 59) for end in weeks)
    days = [b.period_end for b in plan_replay(mini, "day")]
    assert days[0] == T(2017, 1, 31, 23, 59, 59) and days[-1] == T(2017, 5, 31, 23, 59, 59)
    assert T(2017, 2, 2, 23, 59, 59) not in days  # nothing happens that day: no batch


# --- the derivation rules -----------------------------------------------------------------------


def test_delivered_order_moves_month_by_month(mini: Path) -> None:
    batches = list(plan_replay(mini, "month"))
    estimated = "2017-04-20 00:00:00"
    purchase, approved, carrier, delivered = ("2017-01-31 22:00:00", "2017-02-01 09:00:00",
                                              "2017-03-05 10:00:00", "2017-04-02 12:00:00")
    assert history(batches, ORDERS, 2) == [
        (T(2017, 1, 31, 23, 59, 59), ("o1", "c1", "created", purchase, "", "", "", estimated)),
        (T(2017, 2, 28, 23, 59, 59), ("o1", "c1", "approved", purchase, approved, "", "", estimated)),
        (T(2017, 3, 31, 23, 59, 59), ("o1", "c1", "shipped", purchase, approved, carrier, "", estimated)),
        (T(2017, 4, 30, 23, 59, 59), ("o1", "c1", "delivered", purchase, approved, carrier, delivered, estimated)),
    ]
    # Items, payments and the customer come with the order, once.
    assert history(batches, ITEMS, 2) == [(T(2017, 1, 31, 23, 59, 59), ("o1", "1", "p1", "s1",
                                                                         "2017-02-05 09:00:00", "10.00", "1.00"))]
    assert [at for at, _ in history(batches, PAYMENTS, 2)] == [T(2017, 1, 31, 23, 59, 59)]
    assert [at for at, _ in history(batches, CUSTOMERS, 2)] == [T(2017, 1, 31, 23, 59, 59)]


def test_canceled_order_and_final_status(mini: Path) -> None:
    days = list(plan_replay(mini, "day"))
    assert history(days, ORDERS, 3) == [
        (T(2017, 2, 10, 23, 59, 59), ("o2", "c2", "created", "2017-02-10 08:00:00", "", "", "", "2017-03-01 00:00:00")),
        (T(2017, 2, 11, 23, 59, 59), ("o2", "c2", "canceled", "2017-02-10 08:00:00", "2017-02-11 08:00:00", "", "",
                                      "2017-03-01 00:00:00")),
    ]
    # By the month, the cancellation happened within the period the order appeared in.
    months = list(plan_replay(mini, "month"))
    assert [fields[2] for _, fields in history(months, ORDERS, 3)] == ["canceled"]
    # An order still on its way at the end of the data keeps the snapshot's status once its last
    # timestamp has passed.
    assert [fields[2] for _, fields in history(days, ORDERS, 5)] == ["approved", "shipped"]


def test_rows_without_timestamps_come_first(mini: Path) -> None:
    first = next(plan_replay(mini, "month", start=dt.date(2016, 12, 1)))
    assert first.period_end == T(2016, 12, 31, 23, 59, 59)
    assert first.extracts[ORDERS].rows == ((4, ("o3", "c3", "unavailable", "", "", "", "", "")),)
    assert lines(first, CUSTOMERS) == [4]  # the customer of that order
    assert lines(first, DEALS) == [3]  # a deal without won date
    assert lines(first, GEOLOCATION) == [2, 3] and lines(first, TRANSLATION) == [2]
    assert lines(first, ITEMS) == lines(first, PRODUCTS) == lines(first, LEADS) == []


def test_missing_and_unparseable_timestamps(tmp_path: Path) -> None:
    header = ORDERS_CSV.splitlines()[0]
    orders = (f"{header}\n"
              "a,ca,approved,,2017-02-03 10:00:00,,,\n"  # line 2: no purchase, so it appears when approved
              "b,cb,processing,2017-02-01 00:00:00,n/a,,,\n"  # line 3: an unreadable approval is shown as is
              "c,cc,created,garbage,,,,\n"  # line 4: nothing to time it by
              "\n")  # a blank line carries no row
    reviews = REVIEWS_CSV.splitlines(keepends=True)[0] + '"r","b",3,,,,2017-02-02 10:00:00\r\n'
    folder = write_folder(tmp_path / "odd", {ORDERS: (orders, False), REVIEWS: (reviews, False)})
    days = list(plan_replay(folder, "day", start=dt.date(2017, 1, 31)))
    assert history(days, ORDERS, 2) == [(T(2017, 2, 3, 23, 59, 59),
                                         ("a", "ca", "approved", "", "2017-02-03 10:00:00", "", "", ""))]
    assert history(days, ORDERS, 3) == [(T(2017, 2, 1, 23, 59, 59),
                                         ("b", "cb", "processing", "2017-02-01 00:00:00", "n/a", "", "", ""))]
    assert history(days, ORDERS, 4) == [(T(2017, 1, 31, 23, 59, 59), ("c", "cc", "created", "garbage", "", "", "", ""))]
    assert [at for at, _ in history(days, REVIEWS, 2)] == [T(2017, 2, 2, 23, 59, 59)]  # created unknown: answered
    assert {line for b in days for line in lines(b, ORDERS)} == {2, 3, 4}


def test_review_answer_comes_later_and_lines_follow_embedded_crlf(mini: Path) -> None:
    batches = list(plan_replay(mini, "month"))
    assert history(batches, REVIEWS, 2) == [
        (T(2017, 4, 30, 23, 59, 59), ("r1", "o1", "5", "", "bom\r\nmuito bom", "2017-04-03 00:00:00", "")),
        (T(2017, 5, 31, 23, 59, 59), ("r1", "o1", "5", "", "bom\r\nmuito bom", "2017-04-03 00:00:00",
                                      "2017-05-02 10:00:00")),
    ]
    # The comment spans lines 2-3, so the next review starts on line 4; answered within its month.
    assert history(batches, REVIEWS, 4) == [
        (T(2017, 3, 31, 23, 59, 59), ("r2", "o4", "4", "", "", "2017-03-25 00:00:00", "2017-03-26 08:00:00"))]


def test_products_and_sellers_at_first_reference(mini: Path) -> None:
    days = list(plan_replay(mini, "day"))
    first_seen = {(key, line): history(days, key, line)[0][0] for key in (PRODUCTS, SELLERS) for line in (2, 3, 4)}
    assert first_seen == {
        (PRODUCTS, 2): T(2017, 1, 31, 23, 59, 59),  # p1: item of o1
        (PRODUCTS, 3): T(2017, 3, 15, 23, 59, 59),  # p2: item of o4 (the orphan item does not count)
        (PRODUCTS, 4): T(2017, 5, 31, 23, 59, 59),  # p3: never sold, so in the last batch
        (SELLERS, 2): T(2017, 1, 31, 23, 59, 59),  # s1: item of o1
        (SELLERS, 3): T(2017, 2, 20, 23, 59, 59),  # s2: won deal
        (SELLERS, 4): T(2017, 5, 31, 23, 59, 59),  # s3: never referenced
    }
    # Rows whose parent is missing also arrive at the end of the data.
    assert history(days, ITEMS, 5)[0][0] == history(days, CUSTOMERS, 6)[0][0] == T(2017, 5, 31, 23, 59, 59)


def test_leads_and_deals_timing(mini: Path) -> None:
    days = list(plan_replay(mini, "day"))
    assert [at for at, _ in history(days, LEADS, 2)] == [T(2017, 2, 5, 23, 59, 59)]
    assert [at for at, _ in history(days, LEADS, 3)] == [T(2017, 5, 31, 23, 59, 59)]
    assert [at for at, _ in history(days, DEALS, 2)] == [T(2017, 2, 20, 23, 59, 59)]
    # A lead is known from 00:00:00 of its day, so the week ending that Sunday already has it.
    weeks = list(plan_replay(mini, "week"))
    assert [at for at, _ in history(weeks, LEADS, 2)] == [T(2017, 2, 5, 23, 59, 59)]


# --- modes, ranges and completeness -------------------------------------------------------------


def test_changes_mode_against_full_mode(mini: Path) -> None:
    changes = list(plan_replay(mini, "day"))
    full = list(plan_replay(mini, "day", full=True))
    assert [b.period_end for b in changes] == [b.period_end for b in full]
    assert folded(changes) == [as_state(b) for b in full]
    # Changes batches after the first are small; reference data comes only once.
    assert all(lines(b, GEOLOCATION) == [] for b in changes[1:])
    assert all(lines(b, GEOLOCATION) == [2, 3] for b in full)
    assert all(any(e.rows for e in b.extracts.values()) for b in changes)  # no empty batch


def test_last_full_batch_is_the_snapshot(mini: Path) -> None:
    last = list(plan_replay(mini, "month", full=True))[-1]
    assert {key: list(e.rows) for key, e in last.extracts.items()} == {
        key: snapshot_rows(mini, key) for key in FILE_ORDER}


def test_start_and_end_choose_the_periods(mini: Path) -> None:
    default = list(plan_replay(mini, "month"))
    full = {b.period_end: b for b in plan_replay(mini, "month", full=True)}
    chosen = list(plan_replay(mini, "month", start=dt.date(2017, 3, 10), end=dt.date(2017, 4, 1)))
    assert [b.period_end for b in chosen] == [T(2017, 3, 31, 23, 59, 59), T(2017, 4, 30, 23, 59, 59)]
    assert chosen[0] == full[T(2017, 3, 31, 23, 59, 59)]  # the first batch holds the whole state
    assert chosen[1] == default[3]  # later ones only the changes
    later = list(plan_replay(mini, "month", start=dt.date(2017, 4, 30)))
    assert [b.period_end for b in later] == [T(2017, 4, 30, 23, 59, 59), T(2017, 5, 31, 23, 59, 59)]
    # An end after the data just ends there; an end before it stops the replay early.
    assert [b.period_end for b in plan_replay(mini, "month", end=dt.date(2018, 1, 1))] == [
        b.period_end for b in default]
    assert len(list(plan_replay(mini, "day", start=dt.date(2017, 2, 3), end=dt.date(2017, 2, 3)))) == 1


def test_every_row_once_with_file_names_and_missing_files(mini: Path, tmp_path: Path) -> None:
    batches = list(plan_replay(mini, "week"))
    for key in FILE_ORDER:
        assert {line for b in batches for line in lines(b, key)} == {line for line, _ in snapshot_rows(mini, key)}
    names = {key: e.file_name for key, e in batches[0].extracts.items()}
    assert names[ORDERS] == "olist_orders_dataset.csv.gz" and names[CUSTOMERS] == "olist_customers_dataset.csv"
    assert list(names) == list(FILE_ORDER)
    # Without the funnel files the batches simply lack them.
    partial = write_folder(tmp_path / "no_funnel", {k: v for k, v in MINI.items() if k not in (LEADS, DEALS)})
    assert all(LEADS not in b.extracts and DEALS not in b.extracts for b in plan_replay(partial, "month"))


def test_deterministic(mini: Path) -> None:
    assert list(plan_replay(mini, "week")) == list(plan_replay(mini, "week"))


def test_errors(mini: Path, tmp_path: Path) -> None:
    with pytest.raises(DvkitError, match="unknown replay period 'year'") as caught:
        plan_replay(mini, "year")
    assert caught.value.hint and "day, week, month" in caught.value.hint
    with pytest.raises(DvkitError, match="starts after it ends"):
        plan_replay(mini, "day", start=dt.date(2017, 3, 1), end=dt.date(2017, 2, 1))
    with pytest.raises(DvkitError, match="no olist_orders_dataset.csv"):
        plan_replay(tmp_path / "empty", "day")
    broken = write_folder(tmp_path / "broken", {ORDERS: (ORDERS_CSV.replace("order_approved_at", "approved"), False)})
    with pytest.raises(DvkitError, match="no column 'order_approved_at'"):
        plan_replay(broken, "day")
    untimed = write_folder(tmp_path / "untimed", {ORDERS: (ORDERS_CSV.splitlines()[0] + "\n", False)})
    with pytest.raises(DvkitError, match="no timestamp"):
        plan_replay(untimed, "day")
    assert len(list(plan_replay(untimed, "day", end=dt.date(2017, 1, 1)))) == 1


# --- the real subset ----------------------------------------------------------------------------

real_data = pytest.mark.skipif(not (OLIST_DATA / "olist_orders_dataset.csv.gz").is_file(),
                               reason="the Olist data is not in ../shared/data/olist")
STATUS_RANK = {"created": 0, "approved": 1, "shipped": 2, "delivered": 3}


@pytest.fixture(scope="module")
def real_days() -> list[ReplayBatch]:
    return list(plan_replay(OLIST_DATA, "day"))


@pytest.fixture(scope="module")
def real_months_full() -> list[ReplayBatch]:
    return list(plan_replay(OLIST_DATA, "month", full=True))


@real_data
def test_real_every_line_once_and_last_full_batch_is_the_snapshot(real_days: list[ReplayBatch],
                                                                   real_months_full: list[ReplayBatch]) -> None:
    last = real_months_full[-1]
    for key in FILE_ORDER:
        snapshot = snapshot_rows(OLIST_DATA, key)
        assert {line for b in real_days for line in lines(b, key)} == {line for line, _ in snapshot}, key
        assert list(last.extracts[key].rows) == snapshot, key


@real_data
def test_real_changes_fold_into_full(real_months_full: list[ReplayBatch]) -> None:
    changes = list(plan_replay(OLIST_DATA, "month"))
    assert [b.period_end for b in changes] == [b.period_end for b in real_months_full]
    assert folded(changes) == [as_state(b) for b in real_months_full]
    assert changes == list(plan_replay(OLIST_DATA, "month"))  # deterministic


@real_data
def test_real_orders_only_show_the_past(real_days: list[ReplayBatch]) -> None:
    finals = dict(snapshot_rows(OLIST_DATA, ORDERS))
    seen: dict[int, list[str]] = {}
    for batch in real_days:
        for line, fields in batch.extracts[ORDERS].rows:
            stamps = [s for s in fields[3:7] if s]
            assert all(T.fromisoformat(s) <= batch.period_end for s in stamps)
            seen.setdefault(line, []).append(fields[2])
    for line, statuses in seen.items():
        *before, final = statuses
        assert final == finals[line][2]
        ranks = [STATUS_RANK[s] for s in before]
        # Never backwards; a status can repeat (some orders reach the carrier before approval).
        assert ranks == sorted(ranks)


@real_data
def test_real_lines_are_physical_lines_after_embedded_crlf(real_months_full: list[ReplayBatch]) -> None:
    with gzip.open(OLIST_DATA / "olist_order_reviews_dataset.csv.gz", "rb") as handle:
        physical = handle.read().decode("utf-8-sig").split("\n")
    rows = real_months_full[-1].extracts[REVIEWS].rows
    assert sum("\r\n" in fields[4] for _, fields in rows) > 100  # the subset has 266 such comments
    for line, fields in rows:
        assert physical[line - 1].startswith(f'"{fields[0]}","{fields[1]}",')


@real_data
def test_real_weeks_end_on_sunday() -> None:
    weeks = list(plan_replay(OLIST_DATA, "week", start=dt.date(2017, 1, 1), end=dt.date(2017, 6, 30)))
    assert weeks[0].period_end == T(2017, 1, 1, 23, 59, 59)
    assert all(b.period_end.weekday() == 6 for b in weeks)
