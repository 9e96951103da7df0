"""The portability check without a database: sqlglot on hand-written SQL and on fake dbt targets.

Every failing construct here was tried on the installed sqlglot: these are the ones it refuses, and
for exactly the dialects named.
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

from generator import portability
from generator.errors import DvkitError
from generator.portability import TARGETS, Problem, check_compiled_project, check_sql, compiled_models

PORTABLE = """
with items as (
    select h.order_id, sum(s.price + s.freight_value)::numeric(14, 2) as order_value
    from "dvkit"."raw_vault"."hub_order" h
    join "dvkit"."raw_vault"."sat_order_item" s on s.order_hk = h.order_hk
    group by 1
)
select distinct on (i.order_id)
    i.order_id,
    date_trunc('month', o.order_purchase_timestamp)::date as purchase_month,
    o.order_delivered_customer_date is not null as is_delivered,
    case when o.order_delivered_customer_date is null then null
         else o.order_delivered_customer_date > o.order_estimated_delivery_date end as is_late,
    extract(epoch from o.order_delivered_customer_date - o.order_purchase_timestamp) / 86400.0 as days,
    count(*) filter (where o.order_status = 'delivered') over (partition by i.order_id) as delivered,
    coalesce(i.order_value, 0) / nullif(o.n, 0) as rate,
    string_agg(o.order_status, ',' order by o.load_datetime nulls first) over () as statuses
from items i
left join "dvkit"."raw_vault"."sat_order_status" o using (order_id)
order by i.order_id, o.load_datetime desc
"""


def _targets(problems: list[Problem]) -> set[str]:
    return {p.target for p in problems}


def test_portable_sql_has_no_problem() -> None:
    assert check_sql(PORTABLE, model="fct_orders") == []


def test_several_statements_are_all_checked() -> None:
    problems = check_sql("select 1; select * from t for update;", model="two")
    assert _targets(problems) == set(TARGETS)


@pytest.mark.parametrize(("sql", "failing", "words"), [
    # A locking read has no meaning in any of the three warehouses.
    ("select order_id from t for update", {"snowflake", "databricks", "bigquery"}, "FOR UPDATE/SHARE"),
    ("select order_id from t for share", {"snowflake", "databricks", "bigquery"}, "FOR UPDATE/SHARE"),
    # A set-returning function in the select list: only Snowflake cannot unnest it.
    ("select generate_series(1, 3)", {"snowflake"}, "GenerateSeries"),
    # BigQuery sorts NULLs first in an aggregate's ORDER BY; PostgreSQL last: sqlglot refuses to guess.
    ("select string_agg(s, ',' order by n) from t", {"bigquery"}, "NULLS LAST"),
    ("select array_agg(s order by n desc) from t", {"bigquery"}, "NULLS FIRST"),
    # regexp_replace's flags argument ('g') has no BigQuery counterpart.
    ("select regexp_replace(s, 'a', 'b', 'g') from t", {"bigquery"}, "RegexpReplace"),
])
def test_postgres_only_sql_is_reported_for_the_dialects_that_refuse_it(sql: str, failing: set[str],
                                                                       words: str) -> None:
    problems = check_sql(sql, model="mart_x")
    assert _targets(problems) == failing
    assert all(p.model == "mart_x" and words in p.message for p in problems)
    assert all(str(p).startswith(f"mart_x -> {p.target}: ") for p in problems)


def test_the_same_constructs_written_portably_pass() -> None:
    assert check_sql("select * from generate_series(1, 3) as g(n)") == []
    assert check_sql("select string_agg(s, ',' order by n nulls first) from t") == []
    assert check_sql("select regexp_replace(s, 'a', 'b') from t") == []


def test_sql_that_does_not_parse_fails_for_every_target_with_the_place() -> None:
    # Valid PostgreSQL, but sqlglot's PostgreSQL parser does not know ORDER BY ... USING.
    problems = check_sql("select a from t order by a using <", model="m")
    assert _targets(problems) == set(TARGETS)
    assert all("does not parse as PostgreSQL" in p.message and "line 1, col 32" in p.message
               and "'using'" in p.message and "\x1b" not in p.message for p in problems)


def test_unterminated_string_is_reported_not_raised() -> None:
    problems = check_sql("select 'abc", targets=("bigquery",), model="m")
    assert [(p.model, p.target) for p in problems] == [("m", "bigquery")]
    assert "does not parse" in problems[0].message


def test_targets_can_be_chosen_and_unknown_ones_are_refused() -> None:
    assert _targets(check_sql("select * from t for update", targets=("databricks",))) == {"databricks"}
    with pytest.raises(ValueError):
        check_sql("select 1", targets=("no_such_dialect",))


def _manifest(target: Path, nodes: dict[str, dict[str, object]]) -> None:
    target.mkdir(parents=True, exist_ok=True)
    document = {"metadata": {"project_name": "dvkit_business_vault"}, "nodes": nodes}
    (target / "manifest.json").write_text(json.dumps(document), encoding="utf-8")


def _model(name: str, code: str | None, package: str = "dvkit_business_vault", **extra: object) -> dict[str, object]:
    node: dict[str, object] = {"resource_type": "model", "name": name, "package_name": package,
                               "language": "sql", **extra}
    if code is not None:
        node["compiled_code"] = code
    return node


def test_compiled_project_from_the_manifest(tmp_path: Path) -> None:
    _manifest(tmp_path, {
        "model.p.fct_orders": _model("fct_orders", PORTABLE),
        "model.p.mart_locks": _model("mart_locks", "select * from t for update"),
        "model.p.bq_only": _model("bq_only", "select regexp_replace(s, 'a', 'b', 'g') from t"),
        "test.p.not_null": {"resource_type": "test", "name": "not_null", "package_name": "dvkit_business_vault",
                            "compiled_code": "select * from t for update"},
        "model.other.pkg_model": _model("pkg_model", "select * from t for update", package="other"),
        "model.p.py_model": _model("py_model", "def model(dbt, session): ...", language="python"),
    })
    result = check_compiled_project(tmp_path)
    assert list(result) == ["bq_only", "fct_orders", "mart_locks"]
    assert result["fct_orders"] == []
    assert _targets(result["mart_locks"]) == set(TARGETS)
    assert result["bq_only"] == [Problem("bq_only", "bigquery", result["bq_only"][0].message)]


def test_a_model_without_compiled_code_asks_for_dbt_compile(tmp_path: Path) -> None:
    _manifest(tmp_path, {"model.p.a": _model("a", None)})
    with pytest.raises(DvkitError) as caught:
        compiled_models(tmp_path)
    assert "a" in caught.value.message and "dbt compile" in (caught.value.hint or "")


def test_compiled_files_are_read_without_a_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "compiled" / "dvkit_business_vault" / "models" / "marts"
    folder.mkdir(parents=True)
    (folder / "fct_orders.sql").write_text("select 1 as x", encoding="utf-8")
    (folder / "locks.sql").write_text("select * from t for share", encoding="utf-8")
    result = check_compiled_project(tmp_path, targets=("snowflake",))
    assert result == {"fct_orders": [], "locks": [Problem("locks", "snowflake", result["locks"][0].message)]}


def test_an_empty_target_folder_asks_for_dbt_compile(tmp_path: Path) -> None:
    with pytest.raises(DvkitError) as caught:
        compiled_models(tmp_path)
    assert "dbt compile" in (caught.value.hint or "")


def test_doctests() -> None:
    assert doctest.testmod(portability).failed == 0
