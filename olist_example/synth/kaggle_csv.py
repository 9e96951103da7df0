"""Byte-exact serialisation in the style of the Kaggle Olist CSV files.

Rules (verified against the original files):

* In files whose header is quoted, every header name is quoted.
* ``TEXT`` columns: a value is quoted when it starts with a digit or needs CSV quoting
  (comma, double quote, CR or LF); inner quotes are doubled.  Empty values (NULL) are written
  as nothing (``,,``).
* ``RAW`` columns (numbers, timestamps) are never quoted.
* ``QUOTED`` columns are always quoted (review_id and order_id of the reviews file).
* ``MINIMAL`` columns are quoted only when CSV needs it (files with an unquoted header: the
  marketing funnel and the category translation).
* Line endings are per file: LF, or CRLF for reviews and the translation; the translation also
  starts with a UTF-8 BOM and, like the original, has no line ending after its last row.

Gzip output is byte-deterministic (``mtime=0`` and no file name in the header).
"""

from __future__ import annotations

import csv
import gzip as _gzip
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

TEXT = "text"
RAW = "raw"
QUOTED = "quoted"
MINIMAL = "minimal"

ProgressFn = Callable[[str, int], None]

_SPECIAL = (",", '"', "\r", "\n")


def _needs_quotes(value: str) -> bool:
    return any(ch in value for ch in _SPECIAL)


def quote(value: str) -> str:
    """Always quote, doubling inner quotes."""
    return '"' + value.replace('"', '""') + '"'


def format_text(value: str) -> str:
    """Kaggle text rule: NULL stays empty; quote when the value starts with a digit or needs quoting."""
    if not value:
        return ""
    if "0" <= value[0] <= "9" or _needs_quotes(value):
        return quote(value)
    return value


def format_minimal(value: str) -> str:
    """Quote only when CSV requires it."""
    if value and _needs_quotes(value):
        return quote(value)
    return value


def format_raw(value: str) -> str:
    """Numbers and timestamps are written as they are."""
    return value


_FORMATTERS: dict[str, Callable[[str], str]] = {
    TEXT: format_text,
    RAW: format_raw,
    QUOTED: quote,
    MINIMAL: format_minimal,
}


@dataclass(frozen=True)
class FileFormat:
    """Layout of one Kaggle file: name, header, column kinds and the line conventions."""

    name: str
    header: tuple[str, ...]
    kinds: tuple[str, ...]
    quote_header: bool = True
    line_end: str = "\n"
    bom: bool = False
    final_line_end: bool = True

    def __post_init__(self) -> None:
        if len(self.header) != len(self.kinds):
            raise ValueError(f"{self.name}: header and kinds differ in length")
        unknown = set(self.kinds) - set(_FORMATTERS)
        if unknown:
            raise ValueError(f"{self.name}: unknown column kinds {sorted(unknown)}")

    def header_line(self) -> str:
        """The header text, without line ending (and without BOM)."""
        if self.quote_header:
            return ",".join(quote(h) for h in self.header)
        return ",".join(self.header)

    def file_name(self, gzip: bool) -> str:
        """``<name>.csv`` or ``<name>.csv.gz``."""
        return f"{self.name}.csv.gz" if gzip else f"{self.name}.csv"


class CsvSink:
    """Writes rows of one file, streaming, and reports progress every ``every`` rows.

    Values are passed as already formatted strings (``""`` for NULL); the sink applies the
    column quoting rules and line endings.  Use as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        out_dir: Path,
        fmt: FileFormat,
        *,
        gzip: bool = False,
        progress: ProgressFn | None = None,
        every: int = 50_000,
        buffering: int = 1 << 20,
    ) -> None:
        self.fmt = fmt
        self.file_name = fmt.file_name(gzip)
        self.rows = 0
        self._progress = progress
        self._every = every
        self._next_report = every
        self._formatters = tuple(_FORMATTERS[k] for k in fmt.kinds)
        self._all_raw = all(k == RAW for k in fmt.kinds)
        self._end = fmt.line_end
        self._raw: io.BufferedWriter | None = None
        self._gz: _gzip.GzipFile | None = None
        path = out_dir / self.file_name
        if gzip:
            self._raw = open(path, "wb")  # noqa: SIM115 - closed in close()
            self._gz = _gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=6)
            self._fh: TextIO = io.TextIOWrapper(self._gz, encoding="utf-8", newline="", write_through=False)
        else:
            self._fh = open(path, "w", encoding="utf-8", newline="", buffering=buffering)  # noqa: SIM115
        self._fh.write(("\ufeff" if fmt.bom else "") + fmt.header_line())
        if fmt.final_line_end:
            self._fh.write(self._end)
        self._closed = False

    def write(self, values: Sequence[str]) -> None:
        """Write one data row."""
        if self._all_raw:
            line = ",".join(values)
        else:
            line = ",".join([f(v) for f, v in zip(self._formatters, values, strict=False)])
        if self.fmt.final_line_end:
            self._fh.write(line + self._end)
        else:  # terminator goes before each row so that the file ends without one
            self._fh.write(self._end + line)
        self.rows += 1
        if self.rows >= self._next_report:
            self._next_report += self._every
            if self._progress is not None:
                self._progress(self.file_name, self.rows)

    def close(self) -> int:
        """Flush and close the file; report the final count; return the number of data rows."""
        if not self._closed:
            self._closed = True
            self._fh.close()  # closes the GzipFile too (writes the trailer)
            if self._raw is not None:
                self._raw.close()
            if self._progress is not None:
                self._progress(self.file_name, self.rows)
        return self.rows

    def __enter__(self) -> CsvSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_rows(path: Path) -> Iterator[list[str]]:
    """The data rows of a file written by :class:`CsvSink` (``.csv`` or ``.csv.gz``), header skipped.

    Values come back unquoted, as they were given to :meth:`CsvSink.write` (a BOM is part of the
    skipped header).
    """
    raw = _gzip.open(path, "rt", encoding="utf-8", newline="") if path.name.endswith(".gz") \
        else open(path, encoding="utf-8", newline="")  # noqa: SIM115 - closed below
    with raw as handle:
        reader = csv.reader(handle)
        next(reader, None)
        yield from reader


# ---- the eleven Olist files ----------------------------------------------------------------

ORDERS = FileFormat(
    "olist_orders_dataset",
    ("order_id", "customer_id", "order_status", "order_purchase_timestamp", "order_approved_at",
     "order_delivered_carrier_date", "order_delivered_customer_date", "order_estimated_delivery_date"),
    (TEXT, TEXT, TEXT, RAW, RAW, RAW, RAW, RAW),
)
CUSTOMERS = FileFormat(
    "olist_customers_dataset",
    ("customer_id", "customer_unique_id", "customer_zip_code_prefix", "customer_city", "customer_state"),
    (TEXT, TEXT, TEXT, TEXT, TEXT),
)
ORDER_ITEMS = FileFormat(
    "olist_order_items_dataset",
    ("order_id", "order_item_id", "product_id", "seller_id", "shipping_limit_date", "price", "freight_value"),
    (TEXT, RAW, TEXT, TEXT, RAW, RAW, RAW),
)
ORDER_PAYMENTS = FileFormat(
    "olist_order_payments_dataset",
    ("order_id", "payment_sequential", "payment_type", "payment_installments", "payment_value"),
    (TEXT, RAW, TEXT, RAW, RAW),
)
ORDER_REVIEWS = FileFormat(
    "olist_order_reviews_dataset",
    ("review_id", "order_id", "review_score", "review_comment_title", "review_comment_message",
     "review_creation_date", "review_answer_timestamp"),
    (QUOTED, QUOTED, RAW, TEXT, TEXT, RAW, RAW),
    line_end="\r\n",
)
PRODUCTS = FileFormat(
    "olist_products_dataset",
    ("product_id", "product_category_name", "product_name_lenght", "product_description_lenght",
     "product_photos_qty", "product_weight_g", "product_length_cm", "product_height_cm", "product_width_cm"),
    (TEXT, TEXT, RAW, RAW, RAW, RAW, RAW, RAW, RAW),
)
SELLERS = FileFormat(
    "olist_sellers_dataset",
    ("seller_id", "seller_zip_code_prefix", "seller_city", "seller_state"),
    (TEXT, TEXT, TEXT, TEXT),
)
GEOLOCATION = FileFormat(
    "olist_geolocation_dataset",
    ("geolocation_zip_code_prefix", "geolocation_lat", "geolocation_lng", "geolocation_city", "geolocation_state"),
    (TEXT, RAW, RAW, TEXT, TEXT),
)
CATEGORY_TRANSLATION = FileFormat(
    "product_category_name_translation",
    ("product_category_name", "product_category_name_english"),
    (MINIMAL, MINIMAL),
    quote_header=False,
    line_end="\r\n",
    bom=True,
    final_line_end=False,
)
LEADS = FileFormat(
    "olist_marketing_qualified_leads_dataset",
    ("mql_id", "first_contact_date", "landing_page_id", "origin"),
    (MINIMAL, MINIMAL, MINIMAL, MINIMAL),
    quote_header=False,
)
CLOSED_DEALS = FileFormat(
    "olist_closed_deals_dataset",
    ("mql_id", "seller_id", "sdr_id", "sr_id", "won_date", "business_segment", "lead_type",
     "lead_behaviour_profile", "has_company", "has_gtin", "average_stock", "business_type",
     "declared_product_catalog_size", "declared_monthly_revenue"),
    (MINIMAL,) * 14,
    quote_header=False,
)

ALL_FILES: tuple[FileFormat, ...] = (
    CUSTOMERS, GEOLOCATION, ORDER_ITEMS, ORDER_PAYMENTS, ORDER_REVIEWS, ORDERS, PRODUCTS, SELLERS,
    CATEGORY_TRANSLATION, LEADS, CLOSED_DEALS,
)
