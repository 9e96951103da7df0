"""A small spec of every entity kind and four hand-made batches that take every incremental path.

Used by the parity tests (the release and the built-in give the same vault) and by the spec-change
tests (a vault that follows a changed spec equals one built with that spec from the start).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from generator.db import Database
from generator.load.landing import load_batch
from generator.spec.model import Spec

PATHS_SPEC = {"vault.yml": """\
    sources:
      - name: customers
        file: customers.csv
        columns: {customer_id: text, customer_ref: text, city: text, zip: text}
      - name: orders
        file: orders.csv
        columns: {order_id: text, customer_id: text, status: text, placed_at: timestamp, channel: text}
        lookups:
          - {source: customers, on: customer_id, columns: [customer_ref]}
      - name: items
        file: items.csv
        columns: {order_no: text, item_no: integer, sku: text, price: numeric}
      - name: payments
        file: payments.csv
        columns: {order_id: text, seq: integer, kind: text, amount: numeric}
      - name: cities
        file: cities.csv
        columns: {city_code: text, city_name: text, region: text}
      - name: zips
        file: zips.csv
        columns: {zip_code: text, lat: double, place: text}
    hubs:
      - name: customer
        business_key: customer_ref
        sources: [{source: customers}, {source: orders}]
      - name: order
        business_key: order_id
        sources: [{source: orders}, {source: items, business_key: order_no}, {source: payments}]
      - name: product
        business_key: sku
        sources: [{source: items}]
    links:
      - name: order_customer
        hubs: [order, customer]
        sources: [{source: orders}]
      - name: order_line
        hubs: [order, product]
        dependent_child_key: item_no
        sources: [{source: items}]
    satellites:
      - name: order_state
        parent: order
        source: orders
        payload: [status, placed_at]
        payload_added: [channel]
        effective_from: placed_at
      - name: customer_city
        parent: customer
        source: customers
        payload: [city, zip]
      - name: line_price
        parent: order_line
        source: items
        payload: [price]
    multi_active_satellites:
      - name: order_payments
        parent: order
        source: payments
        child_key: seq
        payload: [kind, amount]
    effectivity_satellites:
      - name: order_customer
        link: order_customer
        driving_key: order
    tracking_satellites:
      - name: order
        parent: order
        satellites: [order_state]
    reference_tables:
      - name: cities
        source: cities
        key: city_code
        payload: [city_name, region]
      - name: zips
        source: zips
        key: zip_code
        payload: [lat, place]
        one_row_per_key: true
    point_in_time_tables:
      - name: order
        parent: order
        satellites: [order_state]
        as_of: load_times
    bridges:
      - name: order_lines
        hub: customer
        links: [order_customer, order_line]
        as_of: load_times
    settings:
      ghost_records: true
    """}

HEADERS = {
    "customers": "customer_id,customer_ref,city,zip",
    "orders": "order_id,customer_id,status,placed_at,channel",
    "items": "order_no,item_no,sku,price",
    "payments": "order_id,seq,kind,amount",
    "cities": "city_code,city_name,region",
    "zips": "zip_code,lat,place",
}
BATCHES: list[dict[str, list[str]]] = [
    {  # the first build of every table
        "customers": ["c1,ref1,Lisbon,1000", "c2,ref2,Porto,2000", "c3,ref3,Faro,8000"],
        "orders": ["o1,c1,created,2024-01-01 10:00:00,web", "o2,c2,created,2024-01-01 11:00:00,",
                   "o3,c3,created,2024-01-01 12:00:00,shop",
                   "o4,c9,created,2024-01-01 13:00:00,web"],  # c9 unknown: no customer, no link yet
        "items": ["o1,1,sku1,10.00", "o1,2,sku2,5.00", "o2,1,sku1,10.00"],
        "payments": ["o1,1,card,15.00", "o2,1,boleto,10.00", "o2,2,voucher,0.50"],
        "cities": ["LIS,Lisbon,South", "LIS,Lisboa,South", "OPO,Porto,North"],  # LIS: two distinct rows
        "zips": ["1000,38.7,Lisbon A", "1000,38.8,Lisbon B", "2000,41.1,Porto"],  # 1000: first line only
    },
    {  # changes, unchanged re-deliveries and case-only differences
        "customers": ["c1,ref1,Lisbon,1000", "c2,ref2,Braga,4700", "c3, REF3 , faro ,8000",
                      "c5,ref5,Coimbra,3000",
                      "c9,ref9,Evora,7000"],  # o4's customer, alone: o4 is linked, the orders say nothing
        "orders": ["o1,c1,approved,2024-01-01 10:00:00,web",   # status change
                   "o2,c5,created,2024-01-01 11:00:00,",        # moves to ref5: close ref2, open ref5
                   "o3,c3,created,2024-01-01 12:00:00,shop",    # unchanged
                   "o5,c1,created,2024-01-02 09:00:00,app"],    # new order of a known customer
        "items": ["o1,1,sku1,12.00", "o1,2,sku2,5.00", "o2,1,sku1,10.00"],
        "payments": ["o1,1,card,15.00",                          # identical set: nothing
                     "o2,1,boleto,10.00", "o2,2,voucher,0.75"],  # one member changed: the set again
        "cities": ["LIS,Lisbon2,South", "FAO,Faro,South"],        # LIS stored: ignored; FAO new
        "zips": ["1000,39.0,Elsewhere", "8000,37.0,Faro"],
    },
    {  # an added payload column, a relationship that comes back, A -> B -> A, a new child key
        "customers": ["c2,ref2,Porto,2000"],
        "orders": ["o1,c1,approved,2024-01-01 10:00:00,app",   # only the added column changes
                   "o2,c2,shipped,2024-01-01 11:00:00,",        # back to ref2: reopened
                   "o3,c3,created,2024-01-01 12:00:00,shop"],
        "items": ["o1,1,sku1,12.00", "o1,2,sku2,5.00", "o1,3,sku3,1.00"],
        "payments": ["o2,1,boleto,10.00", "o2,2,voucher,0.75", "o2,3,voucher,0.25", "o1,1,CARD,15.00"],
    },
    {  # re-deliveries (the tracking satellite records them) and a removed child key
        "customers": ["c1,ref1,LISBON ,1000"],
        "orders": ["o1,c1,approved,2024-01-01 10:00:00,app", "o2,c2,shipped,2024-01-01 11:00:00,"],
        "payments": ["o2,1,boleto,10.00", "o2,2,voucher,0.75"],
    },
]
LOAD_TIMES = [dt.datetime(2024, 1, day) for day in (1, 2, 3, 4)]




def write_batch(data: Path, number: int) -> Path:
    """The CSV files of batch ``number`` in ``data/batch_<number>``."""
    folder = data / f"batch_{number}"
    folder.mkdir(parents=True, exist_ok=True)
    for source, lines in BATCHES[number].items():
        (folder / f"{source}.csv").write_text("\n".join([HEADERS[source], *lines]) + "\n")
    return folder


def load_paths(data: Path, batches: range = range(len(BATCHES))) -> Callable[[Database, Spec], None]:
    """A loader of ``batches`` (all four by default), each with its own load time."""
    def load(db: Database, spec: Spec) -> None:
        for number in batches:
            load_batch(db, spec, write_batch(data, number), LOAD_TIMES[number])
    return load
