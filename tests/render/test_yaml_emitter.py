"""Generated YAML: the fast emitter writes the same bytes as the pure-Python one the goldens were made with."""

from __future__ import annotations

import string

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render.plan import _Dumper, _plain_ascii, _yaml

ASCII = st.text(alphabet=[chr(c) for c in range(0x20, 0x7F)], max_size=250)
WORDS = st.lists(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=12), max_size=40).map(" ".join)
SCALARS = st.one_of(ASCII, WORDS, st.booleans(), st.integers(-5, 10**6), st.sampled_from(
    ["yes", "no", "null", "~", "1.0", "2020-01-01", "- a", "a: b", " #x", "{{ x }}", "'", '"', "", " "]))
KEYS = st.one_of(st.text(alphabet=[chr(c) for c in range(0x20, 0x7F)], min_size=1, max_size=64),
                st.from_regex(r"[a-z_]{1,40}", fullmatch=True))
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)), max_leaves=30)


def _pure(document: object) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=False)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, DOCUMENTS, min_size=1, max_size=5))
def test_printable_ascii_documents_dump_to_the_same_bytes(document: dict) -> None:
    assert _plain_ascii(document)
    assert _yaml(document) == _pure(document)


def test_other_text_keeps_the_pure_python_emitter() -> None:
    for document in ({"description": "S\u00e3o Paulo\tand a line\nbreak " + "x" * 120}, {"": []}, {"k" * 65: [1]}):
        assert not _plain_ascii(document)
        assert _yaml(document) == _pure(document)
