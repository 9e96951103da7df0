"""The hashing standard of AutomateDV 0.11 (MD5 by default), in Python.

The vault computes hashes in SQL; this twin lets tools hash a key typed by a person (``dvkit trace``)
and lets tests check the standard without a database.

>>> hash_key(["  abc "]).hex()
'902fbdd2b1df0c4f70b4a5d23525e932'
>>> hash_key([None, ""]) is None
True
>>> pre_image(["b", None], hashdiff=False)
'B||^^'

A satellite's ``payload_added`` columns (added after it went live) follow the sorted payload in the
order they were listed, without their trailing NULL markers, so a row that has none of them keeps
AutomateDV's hashdiff:

>>> pre_image(["x", None], hashdiff=True, names=["b", "a"], added=[None, None])
'^^||X'
>>> pre_image(["x", None], hashdiff=True, names=["b", "a"], added=[None, "5", None])
'^^||X||^^||5'
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from collections.abc import Sequence

NULL_MARK = "^^"
SEPARATOR = "||"


def as_text(value: object) -> str | None:
    """A value as PostgreSQL casts it to text, trimmed of spaces and upper-cased; '' counts as NULL."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, decimal.Decimal):
        text = format(value, "f")
    else:
        text = str(value)
    # TRIM removes spaces only: tabs and newlines stay, as in SQL.
    text = text.strip(" ").upper()
    return text or None


def pre_image(values: Sequence[object], hashdiff: bool = False, names: Sequence[str] | None = None,
              added: Sequence[object] = ()) -> str | None:
    """The exact string that is hashed (None when a key is all NULL).

    A hashdiff sorts its columns by name (case-insensitive) and is never NULL. ``added``: the
    values of a hashdiff's added columns, in their listed order (see :func:`added_suffix`).
    """
    if added:
        base = pre_image(values, hashdiff=True, names=names)
        assert base is not None
        return base + added_suffix(added)
    items = list(values)
    if hashdiff and names is not None:
        items = [v for _, v in sorted(zip(names, items, strict=True), key=lambda pair: pair[0].lower())]
    texts = [as_text(v) for v in items]
    if len(texts) == 1 and not hashdiff:
        return texts[0]
    joined = SEPARATOR.join(NULL_MARK if t is None else t for t in texts)
    # A key whose string reads as all NULL is NULL, even when a value was a literal '^^'.
    if not hashdiff and joined == SEPARATOR.join([NULL_MARK] * len(texts)):
        return None
    return joined


def added_suffix(added: Sequence[object]) -> str:
    """What added columns append to a hashdiff's pre-image: ``||value`` each, in listed order, up to
    the last one that is not NULL; nothing when all are NULL (the row then keeps its hashdiff).

    >>> added_suffix([" a ", None, "c", None, ""])
    '||A||^^||C'
    >>> added_suffix([None, ""])
    ''
    """
    texts = [as_text(v) for v in added]
    while texts and texts[-1] is None:
        texts.pop()
    return "".join(SEPARATOR + (NULL_MARK if t is None else t) for t in texts)


def _digest(text: str | None, algorithm: str) -> bytes | None:
    if text is None:
        return None
    return hashlib.new(algorithm.lower().replace("sha", "sha256") if algorithm.upper() == "SHA" else "md5",
                       text.encode("utf-8")).digest()


def hash_key(values: Sequence[object], algorithm: str = "MD5") -> bytes | None:
    """The stored hash key (raw bytes) of a business key given as one value per column."""
    return _digest(pre_image(values), algorithm)


def hashdiff(values: Sequence[object], names: Sequence[str], algorithm: str = "MD5",
             added: Sequence[object] = ()) -> bytes:
    """The stored hashdiff of a payload, its columns named so they can be sorted; ``added``: the
    values of the satellite's ``payload_added`` columns, in their listed order."""
    digest = _digest(pre_image(values, hashdiff=True, names=names, added=added), algorithm)
    assert digest is not None
    return digest
