"""What erasing a key touches, from the spec alone: the kinds say which tables hold personal data."""

from __future__ import annotations

import textwrap

import pytest

from generator.compliance.erase import plan_erasure
from generator.errors import DvkitError
from generator.kinds import entities
from generator.spec.model import Spec
from generator.spec.validate import load_spec

SPEC = """\
sources:
  - name: people
    file: people.csv
    personal_data: {columns: [email, phone_no], retention: P5Y}
    columns: {person_id: text, shop_id: text, email: text, seq: integer, phone_no: text, city: text}
hubs:
  - {name: person, business_key: person_id, sources: [{source: people}]}
  - {name: shop, business_key: shop_id, sources: [{source: people}]}
links:
  - {name: customer_of, hubs: [person, shop], sources: [{source: people}]}
satellites:
  - {name: contact, parent: person, source: people, payload: [email]}
  - {name: place, parent: person, source: people, payload: [city]}
  - {name: membership_mail, parent: customer_of, source: people, payload: [email]}
multi_active_satellites:
  - {name: phones, parent: person, source: people, child_key: seq, payload: [phone_no]}
non_historised_links:
  - {name: visit, hubs: [person, shop], source: people, payload: [city]}
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    folder = tmp_path_factory.mktemp("erase_plan") / "vault_spec"
    folder.mkdir()
    (folder / "vault.yml").write_text(textwrap.dedent(SPEC), encoding="utf-8")
    result = load_spec(folder, folder.parent)
    assert result.spec is not None, [str(p) for p in result.problems]
    return result.spec


def test_each_kind_says_its_parent_and_its_personal_columns(spec: Spec) -> None:
    facts = {kind.model(e): (kind.parent(spec, e), kind.personal_columns(spec, e)) for kind, e in entities(spec)}
    assert facts == {
        "hub_person": (None, ()), "hub_shop": (None, ()), "link_customer_of": (None, ()),
        "sat_contact": ("person", ("email",)), "sat_place": ("person", ()),
        "sat_membership_mail": ("customer_of", ("email",)), "ma_sat_phones": ("person", ("phone_no",)),
        "nh_link_visit": (None, ()),
    }


def test_the_plan_clears_the_hubs_personal_tables_and_names_those_of_its_links(spec: Spec) -> None:
    plan = plan_erasure(spec, "person")
    assert plan.tables() == ["raw_vault.sat_contact", "raw_vault.ma_sat_phones", "landing.people",
                             "landing.quarantine"]
    # a personal satellite of a link holding the key (a link or a non-historised link) is not erased
    assert plan.not_covered == ("sat_membership_mail",)


def test_a_hub_without_personal_data_is_refused(spec: Spec) -> None:
    with pytest.raises(DvkitError, match="shop holds no personal data") as refused:
        plan_erasure(spec, "shop")
    assert refused.value.hint == "personal data is kept for: person"
