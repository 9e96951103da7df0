"""Which raw vault columns are personal data: derived from the sources' personal_data: alone."""

from __future__ import annotations

from dataclasses import replace

from generator.compliance.personal import raw_vault_personal, source_personal
from generator.spec.model import Spec
from generator.spec.validate import load_spec

from ..conftest import REPO


def _spec() -> Spec:
    spec = load_spec(REPO / "vault_spec").spec
    assert spec is not None
    return spec


def _marking(spec: Spec, source: str, columns: tuple[str, ...]) -> Spec:
    sources = tuple(replace(s, personal_columns=(*s.personal_columns, *columns)) if s.name == source else s
                    for s in spec.sources)
    return replace(spec, sources=sources)


def test_the_olist_spec_marks_the_customer_location_and_the_review_text() -> None:
    assert raw_vault_personal(_spec()) == {
        "sat_customer_location": frozenset({"customer_zip_code_prefix", "customer_city", "customer_state",
                                            "customer_location_hashdiff"}),
        "sat_review_text": frozenset({"review_comment_title", "review_comment_message", "review_text_hashdiff"}),
    }


def test_a_column_newly_marked_personal_is_hidden_wherever_it_is_stored() -> None:
    """Marking it once, in the source, is enough: its satellite, hashdiff and xts follow."""
    spec = _marking(_marking(_spec(), "orders", ("order_status",)), "order_payments", ("payment_type",))
    assert source_personal(spec)["orders"] == frozenset({"order_status"})
    found = raw_vault_personal(spec)
    assert found["sat_order_status"] == {"order_status", "order_status_hashdiff"}
    assert found["xts_order"] == {"hashdiff"}  # it tracks sat_order_status's hashdiff
    assert found["ma_sat_order_payments"] == {"payment_type", "order_payments_hashdiff"}
