"""Tests of the synthetic Olist generator: Kaggle byte format, integrity, determinism, scaling."""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter
from pathlib import Path

import pytest

from olist_example.synth import generate

SCALE = 0.02
SEED = 42

BOM = b"\xef\xbb\xbf"

HEADERS: dict[str, bytes] = {
    "olist_orders_dataset": b'"order_id","customer_id","order_status","order_purchase_timestamp",'
    b'"order_approved_at","order_delivered_carrier_date","order_delivered_customer_date",'
    b'"order_estimated_delivery_date"\n',
    "olist_customers_dataset": b'"customer_id","customer_unique_id","customer_zip_code_prefix",'
    b'"customer_city","customer_state"\n',
    "olist_order_items_dataset": b'"order_id","order_item_id","product_id","seller_id",'
    b'"shipping_limit_date","price","freight_value"\n',
    "olist_order_payments_dataset": b'"order_id","payment_sequential","payment_type",'
    b'"payment_installments","payment_value"\n',
    "olist_order_reviews_dataset": b'"review_id","order_id","review_score","review_comment_title",'
    b'"review_comment_message","review_creation_date","review_answer_timestamp"\r\n',
    "olist_products_dataset": b'"product_id","product_category_name","product_name_lenght",'
    b'"product_description_lenght","product_photos_qty","product_weight_g","product_length_cm",'
    b'"product_height_cm","product_width_cm"\n',
    "olist_sellers_dataset": b'"seller_id","seller_zip_code_prefix","seller_city","seller_state"\n',
    "olist_geolocation_dataset": b'"geolocation_zip_code_prefix","geolocation_lat","geolocation_lng",'
    b'"geolocation_city","geolocation_state"\n',
    "product_category_name_translation": BOM + b"product_category_name,product_category_name_english\r\n",
    "olist_marketing_qualified_leads_dataset": b"mql_id,first_contact_date,landing_page_id,origin\n",
    "olist_closed_deals_dataset": b"mql_id,seller_id,sdr_id,sr_id,won_date,business_segment,lead_type,"
    b"lead_behaviour_profile,has_company,has_gtin,average_stock,business_type,"
    b"declared_product_catalog_size,declared_monthly_revenue\n",
}
NAMES = tuple(HEADERS)

# Column kinds, written independently of the generator's serializer: T = text (Kaggle rule),
# N = number/timestamp (never quoted), Q = always quoted, M = minimal CSV quoting.
KINDS: dict[str, str] = {
    "olist_orders_dataset": "TTTNNNNN",
    "olist_customers_dataset": "TTTTT",
    "olist_order_items_dataset": "TNTTNNN",
    "olist_order_payments_dataset": "TNTNN",
    "olist_order_reviews_dataset": "QQNTTNN",
    "olist_products_dataset": "TTNNNNNNN",
    "olist_sellers_dataset": "TTTT",
    "olist_geolocation_dataset": "TNNTT",
    "product_category_name_translation": "MM",
    "olist_marketing_qualified_leads_dataset": "MMMM",
    "olist_closed_deals_dataset": "M" * 14,
}
LINE_END = {name: b"\r\n" if name in ("olist_order_reviews_dataset", "product_category_name_translation") else b"\n"
            for name in NAMES}

HEX32 = re.compile(r"^[0-9a-f]{32}$")
TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
MONEY = re.compile(r"^\d+\.\d{2}$")


def _field(value: str, kind: str) -> str:
    special = any(ch in value for ch in ',"\r\n')
    quoted = '"' + value.replace('"', '""') + '"'
    if kind == "Q":
        return quoted
    if kind == "N":
        assert not special, value
        return value
    if kind == "T":
        return quoted if value and (value[0] in "0123456789" or special) else value
    return quoted if special else value


def _rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return list(csv.reader(io.StringIO(text, newline="")))


def _dicts(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    rows = _rows(files[name])
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def _generate(out: Path, scale: float = SCALE, seed: int = SEED, gz: bool = False, progress=None):
    counts = generate(scale, out, seed=seed, gzip=gz, progress=progress)
    suffix = ".csv.gz" if gz else ".csv"
    files = {}
    for name in NAMES:
        raw = (out / f"{name}{suffix}").read_bytes()
        files[name] = gzip.decompress(raw) if gz else raw
    return counts, files


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    """One generation at SCALE, with the progress calls it made."""
    calls: list[tuple[str, int]] = []
    counts, files = _generate(tmp_path_factory.mktemp("synth"), progress=lambda f, n: calls.append((f, n)))
    return counts, files, calls


@pytest.fixture(scope="module")
def files(run) -> dict[str, bytes]:
    return run[1]


# ---- format ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_header_bytes_are_exact(files: dict[str, bytes], name: str) -> None:
    assert files[name].startswith(HEADERS[name])
    if name != "product_category_name_translation":
        assert not files[name].startswith(BOM)


@pytest.mark.parametrize("name", NAMES)
def test_line_endings(files: dict[str, bytes], name: str) -> None:
    data = files[name]
    if LINE_END[name] == b"\r\n":
        assert data.count(b"\n") == data.count(b"\r\n"), "every LF must be part of a CRLF"
    else:
        assert b"\r" not in data
    if name == "product_category_name_translation":
        assert not data.endswith(b"\n"), "like the original, the last row has no line ending"
    else:
        assert data.endswith(LINE_END[name])


@pytest.mark.parametrize("name", NAMES)
def test_every_file_reserializes_byte_for_byte_with_kaggle_quoting(files: dict[str, bytes], name: str) -> None:
    data = files[name]
    rows = _rows(data)
    kinds = KINDS[name]
    end = LINE_END[name].decode()
    lines = [HEADERS[name].decode("utf-8").rstrip("\r\n")]
    for row in rows[1:]:
        assert len(row) == len(kinds), row
        lines.append(",".join(_field(v, k) for v, k in zip(row, kinds, strict=False)))
    final = "" if name == "product_category_name_translation" else end
    assert end.join(lines).encode() + final.encode() == data


def test_quoting_examples(files: dict[str, bytes]) -> None:
    customers = files["olist_customers_dataset"].decode().splitlines()[1:]
    # zip prefixes are 5-digit strings and always start with a digit, hence always quoted
    assert all(re.search(r',"\d{5}",[^,]*,[A-Z]{2}$', line) for line in customers)
    # an id is quoted exactly when it starts with a digit
    for line in files["olist_orders_dataset"].decode().splitlines()[1:]:
        first = line.split(",")[0]
        assert first.startswith('"') == first.strip('"')[0].isdigit()
    # numbers are never quoted
    for line in files["olist_order_items_dataset"].decode().splitlines()[1:]:
        assert re.search(r",\d+,.*,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+\.\d\d,\d+\.\d\d$", line), line
    # reviews always quote review_id and order_id, even when they start with a letter
    reviews = files["olist_order_reviews_dataset"].decode()
    assert re.search(r'(^|\r\n)"[a-f][0-9a-f]{31}","[0-9a-f]{32}",[1-5],', reviews)


def test_review_comments_have_embedded_crlf_and_commas(files: dict[str, bytes]) -> None:
    reviews = _dicts(files, "olist_order_reviews_dataset")
    messages = [r["review_comment_message"] for r in reviews if r["review_comment_message"]]
    assert any("\r\n" in m for m in messages)
    assert any("," in m for m in messages)
    assert not any("\n" in m.replace("\r\n", "") for m in messages)
    titles = [r["review_comment_title"] for r in reviews if r["review_comment_title"]]
    assert 0 < len(titles) < len(messages) < len(reviews)


def test_values_formats(files: dict[str, bytes]) -> None:
    orders = _dicts(files, "olist_orders_dataset")
    for o in orders:
        assert HEX32.match(o["order_id"]) and HEX32.match(o["customer_id"])
        assert TS.match(o["order_purchase_timestamp"])
        assert TS.match(o["order_estimated_delivery_date"]) and o["order_estimated_delivery_date"].endswith(" 00:00:00")
        for col in ("order_approved_at", "order_delivered_carrier_date", "order_delivered_customer_date"):
            assert o[col] == "" or TS.match(o[col])
        if o["order_status"] == "delivered" and o["order_approved_at"]:
            assert o["order_delivered_carrier_date"] and o["order_delivered_customer_date"]
    stamps = [o["order_purchase_timestamp"] for o in orders]
    assert stamps == sorted(stamps)
    assert "2016-09" <= stamps[0][:7] and stamps[-1][:7] <= "2018-10"
    items = _dicts(files, "olist_order_items_dataset")
    assert all(MONEY.match(i["price"]) and MONEY.match(i["freight_value"]) for i in items)
    assert any(i["price"].endswith(".90") for i in items)
    payments = _dicts(files, "olist_order_payments_dataset")
    assert all(MONEY.match(p["payment_value"]) for p in payments)
    assert {p["payment_type"] for p in payments} <= {"credit_card", "boleto", "voucher", "debit_card", "not_defined"}
    reviews = _dicts(files, "olist_order_reviews_dataset")
    assert all(r["review_creation_date"].endswith(" 00:00:00") for r in reviews)
    assert all(r["review_answer_timestamp"] > r["review_creation_date"] for r in reviews)
    geo = _dicts(files, "olist_geolocation_dataset")
    assert all(float(g["geolocation_lat"]) < 6 and float(g["geolocation_lng"]) < -30 for g in geo)
    leads = _dicts(files, "olist_marketing_qualified_leads_dataset")
    assert all(re.match(r"^\d{4}-\d\d-\d\d$", lead["first_contact_date"]) for lead in leads)
    deals = _dicts(files, "olist_closed_deals_dataset")
    assert all(TS.match(d["won_date"]) for d in deals)
    assert {d["has_company"] for d in deals} <= {"True", "False", ""}
    assert all(re.match(r"^\d+\.\d$", d["declared_monthly_revenue"]) for d in deals)
    products = _dicts(files, "olist_products_dataset")
    assert any(p["product_category_name"] == "" for p in products) or len(products) < 200
    for p in products:
        if p["product_category_name"] == "":
            assert p["product_name_lenght"] == p["product_description_lenght"] == p["product_photos_qty"] == ""
        for col in ("product_weight_g", "product_length_cm", "product_height_cm", "product_width_cm"):
            assert p[col] == "" or p[col].isdigit()


# ---- integrity ------------------------------------------------------------------------------


def test_referential_integrity(files: dict[str, bytes]) -> None:
    orders = _dicts(files, "olist_orders_dataset")
    customers = _dicts(files, "olist_customers_dataset")
    items = _dicts(files, "olist_order_items_dataset")
    payments = _dicts(files, "olist_order_payments_dataset")
    reviews = _dicts(files, "olist_order_reviews_dataset")
    products = _dicts(files, "olist_products_dataset")
    sellers = _dicts(files, "olist_sellers_dataset")
    geo = _dicts(files, "olist_geolocation_dataset")
    leads = _dicts(files, "olist_marketing_qualified_leads_dataset")
    deals = _dicts(files, "olist_closed_deals_dataset")
    translation = _dicts(files, "product_category_name_translation")

    order_ids = {o["order_id"] for o in orders}
    assert len(order_ids) == len(orders)
    customer_ids = [c["customer_id"] for c in customers]
    assert len(set(customer_ids)) == len(customers) == len(orders)
    assert {o["customer_id"] for o in orders} == set(customer_ids)
    product_ids = {p["product_id"] for p in products}
    seller_ids = {s["seller_id"] for s in sellers}
    assert len(product_ids) == len(products) and len(seller_ids) == len(sellers)
    assert {i["order_id"] for i in items} <= order_ids
    assert {i["product_id"] for i in items} == product_ids  # every product listed was sold
    assert {i["seller_id"] for i in items} == seller_ids  # every seller listed sold something
    assert {p["order_id"] for p in payments} == order_ids  # every order has >= 1 payment
    assert {r["order_id"] for r in reviews} <= order_ids
    assert {d["mql_id"] for d in deals} <= {lead["mql_id"] for lead in leads}
    assert len({d["mql_id"] for d in deals}) == len(deals)
    geo_zips = {g["geolocation_zip_code_prefix"] for g in geo}
    assert {c["customer_zip_code_prefix"] for c in customers} <= geo_zips
    assert {s["seller_zip_code_prefix"] for s in sellers} <= geo_zips
    places = {(g["geolocation_zip_code_prefix"], g["geolocation_city"], g["geolocation_state"]) for g in geo}
    assert {(c["customer_zip_code_prefix"], c["customer_city"], c["customer_state"]) for c in customers} <= places
    # an order's items are numbered 1..n
    per_order: dict[str, list[int]] = {}
    for i in items:
        per_order.setdefault(i["order_id"], []).append(int(i["order_item_id"]))
    assert all(sorted(v) == list(range(1, len(v) + 1)) for v in per_order.values())
    # payments add up to the items' price + freight (not_defined payments are 0.00)
    due = Counter()
    for i in items:
        due[i["order_id"]] += round(float(i["price"]) * 100) + round(float(i["freight_value"]) * 100)
    paid = Counter()
    for p in payments:
        paid[p["order_id"]] += round(float(p["payment_value"]) * 100)
    undefined = {p["order_id"] for p in payments if p["payment_type"] == "not_defined"}
    assert all(paid[o] == due[o] for o in due if o not in undefined)
    # the translation covers every used category but two, like the real data
    used = {p["product_category_name"] for p in products} - {""}
    translated = {t["product_category_name"] for t in translation}
    assert len(used - translated) == 2
    # deals: some sellers are in the sellers file, the others never sold
    known = sum(1 for d in deals if d["seller_id"] in seller_ids)
    assert 0 < known < len(deals)


def test_repeat_customers_keep_their_zip(files: dict[str, bytes]) -> None:
    customers = _dicts(files, "olist_customers_dataset")
    zips: dict[str, set[str]] = {}
    for c in customers:
        zips.setdefault(c["customer_unique_id"], set()).add(c["customer_zip_code_prefix"])
    assert len(zips) < len(customers)  # some people ordered twice
    assert all(len(v) == 1 for v in zips.values())


# ---- sizes, progress, determinism, gzip -----------------------------------------------------


def test_row_counts_follow_the_scale(run) -> None:
    counts, files, _ = run
    assert set(counts) == {f"{n}.csv" for n in NAMES}
    for name in NAMES:
        assert counts[f"{name}.csv"] == len(_rows(files[name])) - 1
    orders = counts["olist_orders_dataset.csv"]
    assert orders == round(99_441 * SCALE)
    assert counts["olist_customers_dataset.csv"] == orders
    assert 1.05 < counts["olist_order_items_dataset.csv"] / orders < 1.2
    assert 1.0 < counts["olist_order_payments_dataset.csv"] / orders < 1.1
    assert 0.97 < counts["olist_order_reviews_dataset.csv"] / orders < 1.03
    assert abs(counts["olist_products_dataset.csv"] - 32_951 * SCALE) < 0.1 * 32_951 * SCALE
    assert abs(counts["olist_sellers_dataset.csv"] - 3_095 * SCALE) < 0.1 * 3_095 * SCALE
    assert counts["olist_marketing_qualified_leads_dataset.csv"] == round(8_000 * SCALE)
    assert counts["olist_closed_deals_dataset.csv"] == round(842 * SCALE)
    assert counts["product_category_name_translation.csv"] == 71
    prefixes = len({r[0] for r in _rows(files["olist_geolocation_dataset"])[1:]})
    assert 5 < counts["olist_geolocation_dataset.csv"] / prefixes < 15


def test_doubling_the_scale_doubles_the_rows(run, tmp_path: Path) -> None:
    half, _ = _generate(tmp_path, scale=SCALE / 2)
    full = run[0]
    for name in ("olist_orders_dataset.csv", "olist_order_items_dataset.csv", "olist_order_payments_dataset.csv",
                 "olist_order_reviews_dataset.csv", "olist_products_dataset.csv", "olist_sellers_dataset.csv",
                 "olist_marketing_qualified_leads_dataset.csv"):
        assert 1.8 < full[name] / half[name] < 2.2, name


def test_tiny_scale_still_writes_every_file(tmp_path: Path) -> None:
    counts, files = _generate(tmp_path, scale=0.0005)
    assert all(n >= 1 for n in counts.values()), counts
    orders = _dicts(files, "olist_orders_dataset")
    payments = _dicts(files, "olist_order_payments_dataset")
    assert {p["order_id"] for p in payments} == {o["order_id"] for o in orders}


def test_progress_reports_the_final_count_of_every_file(run) -> None:
    counts, _, calls = run
    last = {}
    for name, rows in calls:
        assert rows >= last.get(name, 0)
        last[name] = rows
    assert last == counts


@pytest.mark.parametrize("bad", [0, -1, -0.5, float("nan")])
def test_scale_must_be_positive(tmp_path: Path, bad: float) -> None:
    with pytest.raises(ValueError, match="scale"):
        generate(bad, tmp_path)
    assert not list(tmp_path.iterdir())


def test_same_seed_same_bytes_other_seed_other_bytes(files: dict[str, bytes], tmp_path: Path) -> None:
    _, again = _generate(tmp_path / "again")
    assert again == files
    _, other = _generate(tmp_path / "other", seed=SEED + 1)
    for name in NAMES:
        if name != "product_category_name_translation":
            assert other[name] != files[name], name
        assert other[name].startswith(HEADERS[name])


def test_gzip_output_is_deterministic_and_has_the_same_content(files: dict[str, bytes], tmp_path: Path) -> None:
    counts, unzipped = _generate(tmp_path / "a", gz=True)
    assert set(counts) == {f"{n}.csv.gz" for n in NAMES}
    assert unzipped == files
    _generate(tmp_path / "b", gz=True)
    for name in NAMES:
        raw_a = (tmp_path / "a" / f"{name}.csv.gz").read_bytes()
        assert raw_a == (tmp_path / "b" / f"{name}.csv.gz").read_bytes()
        assert raw_a[:2] == b"\x1f\x8b" and raw_a[4:8] == b"\x00\x00\x00\x00"  # mtime 0
        assert not (tmp_path / "a" / f"{name}.csv").exists()


# ---- measured distributions -----------------------------------------------------------------


def test_distributions_follow_the_measured_profile(files: dict[str, bytes]) -> None:
    orders = _dicts(files, "olist_orders_dataset")
    status = Counter(o["order_status"] for o in orders)
    assert 0.94 < status["delivered"] / len(orders) < 0.99
    assert set(status) <= {"delivered", "shipped", "canceled", "unavailable", "invoiced", "processing"}
    months = Counter(o["order_purchase_timestamp"][:7] for o in orders)
    assert months["2017-11"] > months["2017-10"] > months["2017-01"]  # growth and Black Friday
    items = _dicts(files, "olist_order_items_dataset")
    assert 0.0 < 1 - len({i["order_id"] for i in items}) / len(orders) < 0.03  # some orders have no items
    reviews = _dicts(files, "olist_order_reviews_dataset")
    scores = Counter(r["review_score"] for r in reviews)
    assert scores.most_common(1)[0][0] == "5" and 0.45 < scores["5"] / len(reviews) < 0.70
    payments = _dicts(files, "olist_order_payments_dataset")
    kinds = Counter(p["payment_type"] for p in payments)
    assert kinds.most_common(2)[0][0] == "credit_card" and kinds.most_common(2)[1][0] == "boleto"
    customers = _dicts(files, "olist_customers_dataset")
    states = Counter(c["customer_state"] for c in customers)
    assert states.most_common(1)[0][0] == "SP" and 0.3 < states["SP"] / len(customers) < 0.5


OLIST_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "olist"


@pytest.mark.skipif(not (OLIST_DATA / "complete").is_dir(), reason="real Olist data not present")
def test_profile_is_the_output_of_measure() -> None:
    from olist_example.synth import measure

    text = (Path(measure.__file__).parent / "profile.py").read_text(encoding="utf-8")
    assert measure.render(measure.measure(OLIST_DATA)) == text
