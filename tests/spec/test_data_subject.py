"""A hub's ``data_subject:``: its paths to personal data, each mistake named with file, line and fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from generator.spec.model import Step
from generator.spec.validate import load_spec

from ..conftest import REPO

SPEC = """\
sources:
  - name: orders
    file: orders.csv
    columns: {order_id: text, customer_id: text}
  - name: customers
    file: customers.csv
    columns: {customer_id: text, city: text}
    personal_data: {columns: [city], retention: P5Y}
  - name: reviews
    file: reviews.csv
    columns: {review_id: text, order_id: text, message: text, score: integer}
    personal_data: {columns: [message], retention: P5Y}
hubs:
  - name: customer
    business_key: customer_id
    sources: [{source: customers}, {source: orders}]
    data_subject:
      reaches:
        - {reaches}
  - name: order
    business_key: order_id
    sources: [{source: orders}, {source: reviews}]
  - name: review
    business_key: review_id
    sources: [{source: reviews}]
links:
  - {name: order_customer, hubs: [order, customer], sources: [{source: orders}]}
  - {name: order_review, hubs: [order, review], sources: [{source: reviews}]}
  - {name: order_review_again, hubs: [order, review], sources: [{source: reviews}]}
satellites:
  - {name: customer_city, parent: customer, source: customers, payload: [city]}
  - {name: review_text, parent: review, source: reviews, payload: [message]}
  - {name: review_score, parent: review, source: reviews, payload: [score]}
"""


def _load(tmp_path: Path, reaches: str) -> tuple[list[str], object]:
    folder = tmp_path / "vault_spec"
    folder.mkdir()
    (folder / "vault.yml").write_text(textwrap.dedent(SPEC).replace("{reaches}", reaches), encoding="utf-8")
    result = load_spec(folder, tmp_path)
    return [str(p) for p in result.problems], result.spec


def test_a_path_names_hubs_and_the_link_of_a_hop_that_several_links_make(tmp_path: Path) -> None:
    problems, spec = _load(tmp_path, "[order, {hub: review, link: order_review}]")
    assert problems == []
    subject = spec.hub("customer").data_subject  # type: ignore[attr-defined]
    assert subject.reaches == ((Step("order", "order_customer"), Step("review", "order_review")),)
    assert subject.hubs() == ("order", "review")
    assert spec.hub("review").data_subject is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(("reaches", "message"), [
    ("[order, reviw]", "vault_spec/vault.yml:19: unknown hub 'reviw' in a path of data subject 'customer' "
                       "(hint: did you mean 'review'?"),
    ("[review]", "vault_spec/vault.yml:19: no link joins hub 'customer' and hub 'review' (data subject 'customer') "
                 "(hint: go through the hubs in between"),
    ("[order, review]", "vault_spec/vault.yml:19: several links join hub 'order' and hub 'review' (data subject "
                        "'customer') (hint: name the link: {hub: review, link: order_review}"),
    ("[order, {hub: review, link: order_customer}]", "link 'order_customer' does not join hub 'order' and hub "
                                                      "'review'"),
    ("[order]", "vault_spec/vault.yml:19: path [order] of data subject 'customer' reaches no personal data "
                "(hint: end the path at a hub with a personal-data satellite (customer, review)"),
    ("[order, customer]", "the path of data subject 'customer' comes back to hub 'customer'"),
    ("[order, 3]", "vault_spec/vault.yml:19"),
])
def test_mistakes_name_the_file_line_value_and_fix(tmp_path: Path, reaches: str, message: str) -> None:
    problems, spec = _load(tmp_path, reaches)
    assert spec is None
    assert any(message in p for p in problems), problems


def test_the_shipped_olist_customer_reaches_the_reviews_of_its_orders() -> None:
    result = load_spec(REPO / "vault_spec", REPO)
    assert result.spec is not None, [str(p) for p in result.problems]
    subject = result.spec.hub("customer").data_subject
    assert subject is not None
    assert subject.reaches == ((Step("order", "order_customer"), Step("review", "order_review")),)
    assert [hub.name for hub in result.spec.hubs if hub.data_subject] == ["customer"]


def test_a_broken_link_on_the_path_is_reported_once(tmp_path: Path) -> None:
    folder = tmp_path / "vault_spec"
    folder.mkdir()
    text = textwrap.dedent(SPEC).replace("{reaches}", "[order, {hub: review, link: order_review}]")
    (folder / "vault.yml").write_text(text.replace("hubs: [order, customer]", "hubs: [order, custmer]"),
                                      encoding="utf-8")
    problems = [str(p) for p in load_spec(folder, tmp_path).problems]
    assert len(problems) == 1 and "unknown hub 'custmer' in link 'order_customer'" in problems[0], problems
