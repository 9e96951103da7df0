"""dvkit trace on a vault built from the real Olist subset replayed by month.

Expected values are read straight from the database tables and the CSV files, independently of the
trace code.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.build import build
from generator.cli import main
from generator.compliance.trace import Trace, trace
from generator.compliance.trace_render import to_html, to_json, to_table
from generator.db import Database, ensure_database
from generator.errors import DvkitError
from generator.hashing import hash_key
from generator.load.reader import find_file, open_text, read_header, rows_with_lines
from generator.load.replay import load_replay
from generator.spec.model import Spec

from ..conftest import OLIST_RULES, olist_data
from ..integration.project import make_project

pytestmark = [
    pytest.mark.db,
    pytest.mark.dbt,
]
ORDERS_FILE = "olist_orders_dataset.csv.gz"
TOP_KEYS = ["schema", "entity", "key", "hash_key", "hash_algorithm", "as_of", "generated_at", "generated_from", "hub",
            "events",
            "state", "notes"]
EVENT_KEYS = ["time", "kind", "name", "table", "version", "parent", "effective_from", "record_source", "provenance",
              "provenance_match", "values", "erased_fields", "hidden_fields", "diff", "summary"]


@pytest.fixture(scope="module")
def vault(pg_server: Database, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Spec, Database]:
    root, spec = make_project(tmp_path_factory.mktemp("trace"))
    name = f"trace_{uuid.uuid4().hex[:8]}"
    ensure_database(pg_server, name)
    db = Database(**{**pg_server.__dict__, "dbname": name})
    load_replay(db, spec, olist_data(), "month", rules=OLIST_RULES)
    build(root, db, spec, mode="builtin")
    return root, spec, db


def _query(db: Database, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with db.connect() as conn:
        return conn.execute(query, params).fetchall()


@pytest.fixture(scope="module")
def order_id(vault: tuple[Path, Spec, Database]) -> str:
    """An order purchased in one month and delivered in a later one (several status versions)."""
    _, _, db = vault
    rows = _query(db, """
        select h.order_id
        from raw_vault.sat_order_status s join raw_vault.hub_order h using (order_hk)
        group by h.order_id
        having count(*) >= 3 and count(distinct s.order_status) >= 3
           and bool_or(s.order_status = 'delivered')
           and min(date_trunc('month', s.load_datetime)) < max(date_trunc('month', s.load_datetime))
        order by h.order_id limit 1""")
    assert rows, "the replay should give orders with a history"
    return str(rows[0][0])


def _json(result: Trace) -> str:
    """The JSON of a trace as of a fixed generation time, so that two traces compare byte for byte."""
    result.generated_at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    return to_json(result)


def _status_rows(db: Database, order: str) -> list[tuple[Any, ...]]:
    return _query(db, """
        select s.order_status, s.load_datetime, s.order_delivered_customer_date
        from raw_vault.sat_order_status s join raw_vault.hub_order h using (order_hk)
        where h.order_id = %s and s.record_source <> 'AUTOMATE_DV_SYSTEM' order by s.load_datetime""", (order,))


def _csv_line(file_name: str, column: int, value: str) -> int:
    path = find_file(olist_data(), file_name.removesuffix(".gz"))
    assert path is not None
    with open_text(path) as handle:
        read_header(handle, path)
        return next(line for line, fields in rows_with_lines(handle) if fields and fields[column] == value)


def test_order_status_steps_in_order_with_batch_file_and_line(vault: tuple[Path, Spec, Database],
                                                                  order_id: str) -> None:
    _, spec, db = vault
    result = trace(db, spec, "order", order_id)
    steps = [e for e in result.events if e.name == "order_status"]
    expected = _status_rows(db, order_id)
    assert [(e.values["order_status"], e.time) for e in steps] == [(s, t) for s, t, _ in expected]
    assert steps[-1].values["order_status"] == "delivered"
    assert [e.version for e in steps] == list(range(1, len(steps) + 1))
    assert [e.time for e in result.events] == sorted(e.time for e in result.events)
    line = _csv_line(ORDERS_FILE, 0, order_id)
    batches = dict(_query(db, "select load_ts, batch_id from landing.batches"))
    for event in steps:
        assert event.match == "hashdiff"
        assert [(p.batch_id, p.source_file, p.source_line) for p in event.provenance] == [
            (batches[event.time], ORDERS_FILE, line)]
        assert event.record_source == "olist_orders_dataset.csv"
        assert event.effective_from == event.time
    assert result.hub.business_key == (("order_id", order_id),)
    # The order's other history: its items (a link satellite), payments (multi-active), customer link.
    kinds = {(e.kind, e.name) for e in result.events}
    assert {("link", "order_customer"), ("link", "order_item"), ("effectivity", "order_customer"),
            ("satellite", "order_item_price"), ("multi_active_satellite", "order_payments")} <= kinds
    for event in result.events:
        if event.kind in ("satellite", "multi_active_satellite"):
            assert event.match == "hashdiff" and event.provenance, (event.name, event.match)


def test_key_typed_loosely_gives_the_same_trace(vault: tuple[Path, Spec, Database], order_id: str) -> None:
    _, spec, db = vault
    assert _json(trace(db, spec, "order", f"  {order_id.upper()}  ")) == _json(trace(db, spec, "order", order_id))


def test_as_of_between_two_steps_shows_the_earlier_state(vault: tuple[Path, Spec, Database], order_id: str) -> None:
    _, spec, db = vault
    expected = _status_rows(db, order_id)
    between = expected[0][1] + dt.timedelta(days=1)
    assert between < expected[1][1]
    result = trace(db, spec, "order", order_id, as_of=between)
    assert [e.values["order_status"] for e in result.events if e.name == "order_status"] == [expected[0][0]]
    assert all(e.time <= between for e in result.events)
    current = next(e for e in result.state if e.name == "order_status")
    assert current.values["order_status"] == expected[0][0] and current.version == 1
    document = json.loads(to_json(result))
    assert document["as_of"] == between.isoformat()
    # An aware time is the same instant in UTC.
    aware = between.replace(tzinfo=dt.timezone.utc).astimezone(dt.timezone(dt.timedelta(hours=-3)))
    assert _json(trace(db, spec, "order", order_id, as_of=aware)) == _json(result)
    with pytest.raises(DvkitError, match="not yet in the vault"):
        trace(db, spec, "order", order_id, as_of=result.hub.first_seen - dt.timedelta(seconds=1))


def test_delivery_step_names_the_changed_fields(vault: tuple[Path, Spec, Database], order_id: str) -> None:
    _, spec, db = vault
    steps = [e for e in trace(db, spec, "order", order_id).events if e.name == "order_status"]
    first = steps[0]
    assert {c.field for c in first.diff} == set(spec.satellite("order_status").payload)
    assert all(c.change == "added" for c in first.diff)
    delivery = next(e for e in steps if e.values["order_status"] == "delivered")
    previous = steps[steps.index(delivery) - 1]
    changed = {c.field: c for c in delivery.diff}
    assert {"order_status", "order_delivered_customer_date"} <= set(changed)
    assert all(c.change == "changed" for c in delivery.diff)
    assert changed["order_status"].old == previous.values["order_status"]
    assert changed["order_status"].new == "delivered"
    assert changed["order_delivered_customer_date"].new == delivery.values["order_delivered_customer_date"]
    assert "order_purchase_timestamp" not in changed  # unchanged fields are not in the diff


def test_missing_key_and_unknown_entity(vault: tuple[Path, Spec, Database]) -> None:
    root, spec, db = vault
    with pytest.raises(DvkitError) as missing:
        trace(db, spec, "order", " No-Such-Order ")
    assert "order" in missing.value.message and "No-Such-Order" in missing.value.message
    assert missing.value.hint
    # Values only ever reach SQL as parameters.
    with pytest.raises(DvkitError):
        trace(db, spec, "order", "x' or '1'='1")
    with pytest.raises(DvkitError) as unknown:
        trace(db, spec, "ordr", "x")
    assert "did you mean 'order'" in (unknown.value.hint or "")
    runner = CliRunner()
    env = {"DVKIT_DATABASE_URL": db.display_url()}
    result = runner.invoke(main, ["--project", str(root), "trace", "order", "no-such-order"], env=env)
    assert result.exit_code == 1
    assert "no order with key 'no-such-order'" in result.output and "hint:" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["--project", str(root), "trace", "ordr", "x"], env=env)
    assert result.exit_code == 1 and "did you mean 'order'" in result.output


def test_html_dossier(vault: tuple[Path, Spec, Database], order_id: str, tmp_path: Path) -> None:
    root, spec, db = vault
    result = trace(db, spec, "order", order_id)
    html = to_html(result)
    assert order_id in html
    line = _csv_line(ORDERS_FILE, 0, order_id)
    for event in (e for e in result.events if e.name == "order_status"):
        assert f">{event.values['order_status']}<" in html
        assert f"{ORDERS_FILE}:{line}" in html
        assert f"batch {event.provenance[0].batch_id}" in html
    assert "http" not in html.lower()
    assert "<script" not in html.lower() and "@media print" in html and "<style>" in html
    # Through the command line, to a file.
    out = tmp_path / "dossier.html"
    cli = CliRunner().invoke(main, ["--project", str(root), "trace", "order", order_id.upper(), "--format", "html",
                                    "--out", str(out)], env={"DVKIT_DATABASE_URL": db.display_url()})
    assert cli.exit_code == 0, cli.output
    assert order_id in out.read_text(encoding="utf-8")


def test_html_escapes_values(vault: tuple[Path, Spec, Database], order_id: str) -> None:
    _, spec, db = vault
    result = trace(db, spec, "order", order_id)
    result.events[0].summary = "<script>alert(1)</script>"
    html = to_html(result)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_json_is_deterministic_and_documented(vault: tuple[Path, Spec, Database], order_id: str) -> None:
    root, spec, db = vault
    first = _json(trace(db, spec, "order", order_id))
    assert first == _json(trace(db, spec, "order", order_id))  # but for generated_at
    document = json.loads(first)
    assert list(document) == TOP_KEYS
    assert document["schema"] == "dvkit.trace/1"
    assert document["hash_key"] == hash_key([order_id]).hex()  # type: ignore[union-attr]
    assert list(document["hub"]) == ["table", "business_key", "first_seen", "record_source", "provenance",
                                     "provenance_match"]
    for event in document["events"] + document["state"]:
        assert list(event) == EVENT_KEYS
        assert list(event["parent"]) == ["kind", "name", "hash_key", "keys", "hub_keys", "label"]
        for line in event["provenance"]:
            assert list(line) == ["batch_id", "source_file", "source_line", "replay"]
        for change in event["diff"]:
            assert list(change) == ["field", "change", "old", "new"]
    status = next(e for e in document["events"] if e["name"] == "order_status")
    dt.datetime.fromisoformat(status["time"])
    dt.datetime.fromisoformat(status["values"]["order_purchase_timestamp"])
    price = next(e for e in document["events"] if e["name"] == "order_item_price")
    assert isinstance(price["values"]["price"], str)  # numerics exact, as strings
    # The command line prints the same document.
    cli = CliRunner().invoke(main, ["--project", str(root), "trace", "order", order_id, "--format", "json"],
                             env={"DVKIT_DATABASE_URL": db.display_url()})
    assert cli.exit_code == 0, cli.output
    printed = json.loads(cli.output)
    assert printed.pop("generated_at") and {**document, "generated_at": None} == {**printed, "generated_at": None}


def test_table_output(vault: tuple[Path, Spec, Database], order_id: str) -> None:
    from io import StringIO

    from rich.console import Console

    _, spec, db = vault
    result = trace(db, spec, "order", order_id)
    steps = [e for e in result.events if e.name == "order_status"]
    buffer = StringIO()
    to_table(result, Console(file=buffer, width=200, color_system=None))
    text = buffer.getvalue()
    assert order_id in text
    for before, after in zip(steps, steps[1:], strict=False):
        assert f"order_status: {before.values['order_status']} -> {after.values['order_status']}" in text
    assert f"{ORDERS_FILE}:{_csv_line(ORDERS_FILE, 0, order_id)}" in text


@pytest.fixture(scope="module")
def customer(vault: tuple[Path, Spec, Database]) -> tuple[str, set[str]]:
    """A person with two orders, and those orders."""
    _, _, db = vault
    rows = _query(db, """
        select h.customer_unique_id, array_agg(o.order_id order by o.order_id)
        from raw_vault.link_order_customer l
        join raw_vault.hub_customer h using (customer_hk) join raw_vault.hub_order o using (order_hk)
        group by h.customer_unique_id having count(*) >= 2 order by h.customer_unique_id limit 1""")
    assert rows
    return str(rows[0][0]), set(rows[0][1])


def test_customer_location_and_order_links(vault: tuple[Path, Spec, Database], customer: tuple[str, set[str]]) -> None:
    _, spec, db = vault
    key, orders = customer
    result = trace(db, spec, "customer", f" {key.upper()}")
    assert result.key == key
    locations = [e for e in result.events if e.name == "customer_location"]
    assert locations and locations[0].diff and all(c.change == "added" for c in locations[0].diff)
    assert set(locations[0].values) == {"customer_zip_code_prefix", "customer_city", "customer_state"}
    for event in locations:
        assert event.match == "hashdiff"
        assert {p.source_file for p in event.provenance} == {"olist_customers_dataset.csv.gz"}
    links = [e for e in result.events if e.kind == "link" and e.name == "order_customer"]
    assert {e.values["order_id"] for e in links} == orders
    for event in links:
        line = _csv_line(ORDERS_FILE, 0, event.values["order_id"])
        assert [(p.source_file, p.source_line) for p in event.provenance] == [(ORDERS_FILE, line)]
    periods = [e for e in result.events if e.kind == "effectivity"]
    assert {e.parent.hash_key for e in periods} == {e.parent.hash_key for e in links}
    assert {e.name for e in result.state} >= {"customer_location", "order_customer"}


def test_erasure_is_an_event_and_erased_values_are_not_changes(vault: tuple[Path, Spec, Database],
                                                               customer: tuple[str, set[str]]) -> None:
    _, spec, db = vault
    key, _ = customer
    hk = hash_key([key])
    erased_at = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
    with db.connect() as conn:
        saved = conn.execute("select customer_zip_code_prefix, customer_city, customer_state, load_datetime "
                             "from raw_vault.sat_customer_location where customer_hk = %s", (hk,)).fetchall()
        conn.execute("create schema if not exists dvkit")
        created = conn.execute("select to_regclass('dvkit.erasure_log')").fetchone() == (None,)
        conn.execute("""create table if not exists dvkit.erasure_log (
            erasure_id bigserial primary key, erased_at timestamptz not null, entity text not null,
            hub_key bytea not null, reason text, tables text[], rows_erased integer, erased_by text)""")
        row = conn.execute(
            "insert into dvkit.erasure_log (erased_at, entity, hub_key, reason, tables, rows_erased, erased_by) "
            "values (%s, 'customer', %s, 'GDPR art. 17 request', array['raw_vault.sat_customer_location'], %s, "
            "'dpo') returning erasure_id", (erased_at, hk, len(saved))).fetchone()
        assert row is not None
        conn.execute("update raw_vault.sat_customer_location set customer_zip_code_prefix = null, "
                     "customer_city = null, customer_state = null where customer_hk = %s", (hk,))
        conn.commit()
    try:
        result = trace(db, spec, "customer", key)
        erasure = [e for e in result.events if e.kind == "erasure"]
        assert len(erasure) == 1 and erasure[0] is result.events[-1]
        assert "personal data erased" in erasure[0].summary and "sat_customer_location" in erasure[0].summary
        assert "GDPR art. 17 request" in erasure[0].summary
        assert erasure[0].time == erased_at.replace(tzinfo=None)
        location = next(e for e in result.events if e.name == "customer_location")
        assert set(location.erased_fields) == {"customer_zip_code_prefix", "customer_city", "customer_state"}
        assert {c.change for c in location.diff} == {"erased"}
        assert "[erased]" in to_html(result) and '"erased_fields": [' in to_json(result)
        before = trace(db, spec, "customer", key, as_of=dt.datetime(2029, 1, 1))
        assert not [e for e in before.events if e.kind == "erasure"]
        assert next(e for e in before.events if e.name == "customer_location").erased_fields  # gone all the same
    finally:
        with db.connect() as conn:
            for zip_code, city, state, loaded in saved:
                conn.execute("update raw_vault.sat_customer_location set customer_zip_code_prefix = %s, "
                             "customer_city = %s, customer_state = %s where customer_hk = %s and load_datetime = %s",
                             (zip_code, city, state, hk, loaded))
            conn.execute("delete from dvkit.erasure_log where erasure_id = %s", row)
            if created:
                conn.execute("drop table dvkit.erasure_log")
            conn.commit()


def test_json_says_when_it_was_generated_with_its_zone(vault: tuple[Path, Spec, Database], order_id: str) -> None:
    _, spec, db = vault
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    document = json.loads(to_json(trace(db, spec, "order", order_id)))
    after = dt.datetime.now(dt.timezone.utc)
    stamp = document["generated_at"]
    assert stamp.endswith("+00:00")
    moment = dt.datetime.fromisoformat(stamp)
    assert moment.utcoffset() == dt.timedelta(0) and before <= moment <= after


def test_a_version_from_a_replayed_snapshot_names_the_snapshot_file_and_period(
        vault: tuple[Path, Spec, Database], order_id: str) -> None:
    _, spec, db = vault
    result = trace(db, spec, "order", order_id)
    document = json.loads(to_json(result))
    status = [e for e in document["events"] if e["name"] == "order_status"]
    assert len(status) >= 3
    for event in status:
        line = event["provenance"][0]
        # What landing recorded of the batch, read here independently of trace.
        (source_dir, load_ts), = _query(db, "select source_dir, load_ts from landing.batches where batch_id = %s",
                                        (line["batch_id"],))
        (file_name,), = _query(db, "select file_name from landing.batch_files where batch_id = %s "
                                   "and source = 'orders'", (line["batch_id"],))
        assert source_dir == f"{olist_data().name} (replay by month)"
        assert line["replay"] == {
            "snapshot": olist_data().name, "snapshot_file": file_name, "period": "month",
            "period_start": load_ts.date().replace(day=1).isoformat(), "period_end": load_ts.isoformat()}
        assert dt.datetime.fromisoformat(event["time"]) == load_ts  # the version is the period's
    buffer = to_html(result)
    month = dt.datetime.fromisoformat(status[-1]["time"])
    assert f"replayed from snapshot {olist_data().name}, month {month.date().replace(day=1)}" in buffer


def test_a_batch_loaded_as_delivered_has_no_replay(vault: tuple[Path, Spec, Database]) -> None:
    from generator.compliance.trace import batch_origin

    origin = batch_origin(1, dt.datetime(2020, 1, 1), "olist")
    assert origin.period is None and origin.snapshot is None
    week = batch_origin(2, dt.datetime(2017, 1, 8, 23, 59, 59), "olist (replay by week)")
    assert (week.snapshot, week.period, week.period_start) == ("olist", "week", dt.date(2017, 1, 2))


def test_piped_table_output_is_not_wrapped_at_80_columns(vault: tuple[Path, Spec, Database], order_id: str) -> None:
    root, _, db = vault
    cli = CliRunner().invoke(main, ["--project", str(root), "trace", "order", order_id],
                             env={"DVKIT_DATABASE_URL": db.display_url(), "COLUMNS": "80"})
    assert cli.exit_code == 0, cli.output
    lines = cli.output.splitlines()
    assert max(len(line) for line in lines) > 100
    line = _csv_line(ORDERS_FILE, 0, order_id)
    # A source line and its replayed period stay on one line of the output, whole.
    assert any(f"{ORDERS_FILE}:{line}  (replayed from snapshot {olist_data().name}, month " in text
               for text in lines)
    assert any(text.startswith("key ") and text.rstrip().endswith(f"order_id = {order_id}") for text in lines)


def test_a_customer_traced_by_the_key_the_hub_does_not_use_is_found_through_the_lookup(
        vault: tuple[Path, Spec, Database], customer: tuple[str, set[str]]) -> None:
    _, spec, db = vault
    key, _ = customer
    customer_ids = [r[0] for r in _query(db, "select distinct customer_id from landing.customers "
                                             "where customer_unique_id = %s order by 1", (key,))]
    assert customer_ids
    result = trace(db, spec, "customer", customer_ids[0].upper())
    assert result.key == key and result.entity == "customer"
    assert result.looked_up is not None and "customer_id of source customers" in result.looked_up
    assert result.notes[0] == result.looked_up and f"customer_unique_id '{key}'" in result.looked_up
    direct = json.loads(to_json(trace(db, spec, "customer", key)))
    assert json.loads(to_json(result))["events"] == direct["events"]  # the same history
    with pytest.raises(DvkitError) as missing:
        trace(db, spec, "customer", "no-such-id")
    assert "keyed by customer_unique_id" in str(missing.value) and "customers.customer_id" in str(missing.value)
