"""Non-historised links (``non_historised_links:``): validation, rendering, definitions, plans and traces.

The rows the generated model stores, with dvkit's macro and with AutomateDV's release, are compared in
``tests/integration/test_nh_link_parity.py``.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
import yaml

from generator.compliance.trace import trace
from generator.db import Database
from generator.evolution.changes import NEW, UNCHANGED, make_plan
from generator.evolution.definition import definitions
from generator.evolution.state import Recorded, VaultState
from generator.hashing import hash_key
from generator.kinds import by_section, kind_of
from generator.kinds.stage import stage_columns
from generator.load.landing import load_batch
from generator.render import drift
from generator.render.plan import plan
from generator.spec.model import Spec
from generator.spec.validate import load_spec

SOURCES = """\
sources:
  - name: payments
    file: payments.csv
    personal_data: {columns: [payer_name], retention: P5Y}
    columns: {order_id: text, customer_id: text, seq: integer, kind: text, amount: numeric, payer_name: text}
  - name: customers
    file: customers.csv
    columns: {customer_id: text, city: text}
hubs:
  - {name: order, business_key: order_id, sources: [{source: payments}]}
  - {name: customer, business_key: customer_id, sources: [{source: payments}, {source: customers}]}
"""
NH_LINK = """\
non_historised_links:
  - name: payment
    hubs: [order, customer]
    source: payments
    dependent_child_key: seq
    payload: [kind, amount]
"""


def _load(tmp_path: Path, text: str):
    folder = tmp_path / "vault_spec"
    folder.mkdir(exist_ok=True)
    (folder / "vault.yml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_spec(folder, tmp_path)


def _spec(tmp_path: Path, text: str = SOURCES + NH_LINK) -> Spec:
    result = _load(tmp_path, text)
    assert result.spec is not None, [str(p) for p in result.problems]
    return result.spec


def _problems(tmp_path: Path, nh_link: str) -> list[str]:
    result = _load(tmp_path, SOURCES + nh_link)
    assert result.spec is None
    return [str(p) for p in result.problems]


# -- validation ---------------------------------------------------------------------------------------

def test_a_valid_entry_builds_its_entity(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    (nh,) = spec.non_historised_links
    assert (nh.hubs, nh.source, nh.dependent_child_key, nh.payload) == (
        ("order", "customer"), "payments", ("seq",), ("kind", "amount"))
    assert kind_of(nh) is by_section("non_historised_links")
    assert spec.vault_models() == ["hub_customer", "hub_order", "nh_link_payment"]


def test_an_unknown_hub_is_named_with_its_line_and_a_hint(tmp_path: Path) -> None:
    problems = _problems(tmp_path, NH_LINK.replace("[order, customer]", "[order, custmer]"))
    assert problems == ["vault_spec/vault.yml:14: unknown hub 'custmer' in non-historised link 'payment' "
                        "(hint: did you mean 'customer'?)"]


def test_a_missing_payload_column_is_named(tmp_path: Path) -> None:
    problems = _problems(tmp_path, NH_LINK.replace("[kind, amount]", "[kind, amout]"))
    assert len(problems) == 1
    assert "payload column 'amout' is not a column of source 'payments'" in problems[0]
    assert "did you mean 'amount'?" in problems[0]


def test_a_missing_child_key_or_hub_key_column_is_named(tmp_path: Path) -> None:
    problems = _problems(tmp_path, NH_LINK.replace("dependent_child_key: seq", "dependent_child_key: sequence"))
    assert any("dependent child key column 'sequence' is not a column of source 'payments'" in p for p in problems)
    problems = _problems(tmp_path, NH_LINK.replace("source: payments", "source: customers"))
    assert any("hub 'order' key column 'order_id' is not a column of source 'customers'" in p for p in problems)


def test_its_source_must_feed_each_hub(tmp_path: Path) -> None:
    text = SOURCES.replace("{source: payments}, {source: customers}", "{source: customers}") + NH_LINK
    problems = [str(p) for p in _load(tmp_path, text).problems]
    assert any("source 'payments' of non-historised link 'payment' does not feed hub 'customer'" in p
               for p in problems)


def test_personal_data_and_keys_are_refused_in_its_payload(tmp_path: Path) -> None:
    problems = _problems(tmp_path, NH_LINK.replace("[kind, amount]", "[kind, payer_name]"))
    assert problems == ["vault_spec/vault.yml:17: payload column 'payer_name' of non-historised link 'payment' is "
                        "marked as personal data (hint: a non-historised link is never updated, so its payload "
                        "cannot be erased: keep personal data in a satellite of a link)"]
    problems = _problems(tmp_path, NH_LINK.replace("[kind, amount]", "[kind, order_id]"))
    assert any("payload column 'order_id' is a key column" in p for p in problems)


def test_its_name_is_one_of_the_hubs_and_links(tmp_path: Path) -> None:
    problems = _problems(tmp_path, NH_LINK.replace("name: payment", "name: order"))
    assert any("duplicate name 'order'" in p for p in problems)


def test_an_entry_under_links_with_its_keys_is_said_to_belong_here(tmp_path: Path) -> None:
    problems = [str(p) for p in _load(tmp_path, SOURCES + NH_LINK.replace("non_historised_links:", "links:")).problems]
    assert any("looks like a non historised link" in p and "move it under `non_historised_links:`" in p
               for p in problems)


# -- rendering ----------------------------------------------------------------------------------------

def test_the_model_calls_automate_dv_nh_link_as_a_user_of_the_release_would(tmp_path: Path) -> None:
    files = {f.path: f for f in plan(_spec(tmp_path))}
    model = files["dbt_vault/models/raw_vault/links/nh_link_payment.sql"]
    assert model.what == "non-historised link payment"
    body = model.body
    assert "{{ automate_dv.nh_link(" in body
    for line in ('{%- set source_model = "stg_payments" -%}', '{%- set src_pk = "payment_hk" -%}',
                 '{%- set src_fk = ["order_hk", "customer_hk"] -%}', '{%- set src_payload = ["kind", "amount"] -%}',
                 '{%- set src_extra_columns = ["seq"] -%}', "    src_payload=src_payload,",
                 "    src_extra_columns=src_extra_columns,"):
        assert line in body, line
    assert "materialized='incremental'" in body


def test_without_payload_or_child_key_the_model_leaves_them_out(tmp_path: Path) -> None:
    text = SOURCES + NH_LINK.replace("    dependent_child_key: seq\n", "").replace("    payload: [kind, amount]\n", "")
    body = next(f.body for f in plan(_spec(tmp_path, text)) if f.path.endswith("nh_link_payment.sql"))
    assert "src_payload" not in body and "src_extra_columns" not in body


def test_the_stage_hashes_its_key_and_its_hubs_keys(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    staged = stage_columns(spec, "payments")
    assert [(h.name, h.columns) for h in staged.hashed] == [
        ("customer_hk", ("customer_id",)), ("order_hk", ("order_id",)),
        ("payment_hk", ("order_id", "customer_id", "seq"))]
    stage = next(f.body for f in plan(spec) if f.path.endswith("staging/stg_payments.sql"))
    assert "  payment_hk:\n    - order_id\n    - customer_id\n    - seq\n" in stage


def test_its_yaml_lists_its_columns_in_the_table_order(tmp_path: Path) -> None:
    document = yaml.safe_load(next(f.body for f in plan(_spec(tmp_path))
                                   if f.path == "dbt_vault/models/raw_vault/_raw_vault.yml"))
    model = next(m for m in document["models"] if m["name"] == "nh_link_payment")
    assert [c["name"] for c in model["columns"]] == [
        "payment_hk", "order_hk", "customer_hk", "kind", "amount", "seq", "load_datetime", "record_source"]


# -- definitions, drift and plans ---------------------------------------------------------------------

def test_its_definition_and_hash_definition(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    definition = definitions(spec)["nh_link_payment"]
    assert definition.kind == "nh_link"
    assert definition.feeds == {"payments": ["order_id text", "customer_id text", "seq integer"]}
    assert definition.rows["payload_columns"] == ["kind text", "amount numeric"]
    # its key is computed like a link's: a change of its key columns is warned about as a link's
    assert drift.definitions(spec)["links"] == {"payment": {"sources": {"payments": ["order_id", "customer_id",
                                                                                      "seq"]}}}


def test_a_new_one_on_a_loaded_vault_is_built_from_every_batch(tmp_path: Path) -> None:
    before = _spec(tmp_path, SOURCES)
    recorded = {model: Recorded(model, d.as_json(), 3) for model, d in definitions(before).items()}
    state = VaultState(3, recorded, set(recorded), None)
    plans = {m.model: m for m in make_plan(definitions(_spec(tmp_path)), state).models}
    assert plans["nh_link_payment"].status == NEW
    assert (plans["nh_link_payment"].first_batch, plans["nh_link_payment"].last_batch) == (1, 3)
    assert plans["hub_order"].status == UNCHANGED


# -- trace --------------------------------------------------------------------------------------------

@pytest.mark.db
def test_a_trace_lists_its_rows_like_link_rows(tmp_path: Path, fresh_db: Database) -> None:
    spec = _spec(tmp_path)
    data = tmp_path / "batch"
    data.mkdir()
    (data / "payments.csv").write_text("order_id,customer_id,seq,kind,amount,payer_name\n"
                                       "o1,c1,1,card,10.00,Ana\no1,c1,2,pix,5.00,Ana\n")
    loaded = dt.datetime(2024, 1, 1)
    load_batch(fresh_db, spec, data, loaded)
    source = spec.source("payments").record_source
    o1, c1 = hash_key(["o1"]), hash_key(["c1"])
    with fresh_db.connect(autocommit=True) as conn:
        conn.execute("create schema raw_vault")
        conn.execute("create table raw_vault.hub_order (order_hk bytea, order_id text, load_datetime timestamp, "
                     "record_source text)")
        conn.execute("create table raw_vault.hub_customer (customer_hk bytea, customer_id text, "
                     "load_datetime timestamp, record_source text)")
        conn.execute("create table raw_vault.nh_link_payment (payment_hk bytea, order_hk bytea, customer_hk bytea, "
                     "kind text, amount numeric, seq integer, load_datetime timestamp, record_source text)")
        conn.execute("insert into raw_vault.hub_order values (%s, 'o1', %s, %s)", (o1, loaded, source))
        conn.execute("insert into raw_vault.hub_customer values (%s, 'c1', %s, %s)", (c1, loaded, source))
        for seq, kind, amount in ((1, "card", "10.00"), (2, "pix", "5.00")):
            conn.execute("insert into raw_vault.nh_link_payment values (%s, %s, %s, %s, %s::numeric, %s, %s, %s)",
                         (hash_key(["o1", "c1", seq]), o1, c1, kind, amount, seq, loaded, source))
    found = trace(fresh_db, spec, "order", "o1")
    rows = [e for e in found.events if e.table == "raw_vault.nh_link_payment"]
    assert [(e.kind, e.name, e.time) for e in rows] == [("link", "payment", loaded)] * 2
    assert sorted((e.values["customer_id"], e.values["seq"], e.values["kind"]) for e in rows) == [
        ("c1", 1, "card"), ("c1", 2, "pix")]
    assert all(e.provenance and e.match == "key_and_load_time" for e in rows)
    assert any(e.summary == "linked to customer_id=c1, seq=1; kind=card; amount=10.00" for e in rows)


def test_dvkits_own_macro_dispatches_and_refuses_other_adapters() -> None:
    package = Path(__file__).resolve().parents[2] / "dbt_vault" / "automate_dv_local"
    text = (package / "macros" / "tables" / "nh_link.sql").read_text()
    assert "adapter.dispatch('nh_link', 'automate_dv')" in text
    assert "macro postgres__nh_link(" in text
    assert "automate_dv.unsupported_adapter('nh_link')" in text
    assert "| `nh_link` |" in (package / "README.md").read_text()
