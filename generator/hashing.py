"""The hashing standard of AutomateDV 0.11 (MD5 by default), in Python.

The vault computes hashes in SQL; this twin lets tools hash a key typed by a person (``dvkit trace``)
and lets tests check the standard without a database.

>>> hash_key(["  abc "]).hex()
'902fbdd2b1df0c4f70b4a5d23525e932'
>>> hash_key([None, ""]) is None
True
>>> pre_image(["b", None], hashdiff=False)
'B||^^'
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


def pre_image(values: Sequence[object], hashdiff: bool = False, names: Sequence[str] | None = None) -> str | None:
    """The exact string that is hashed (None when a key is all NULL).

    A hashdiff sorts its columns by name (case-insensitive) and is never NULL.
    """
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


def _digest(text: str | None, algorithm: str) -> bytes | None:
    if text is None:
        return None
    return hashlib.new(algorithm.lower().replace("sha", "sha256") if algorithm.upper() == "SHA" else "md5",
                       text.encode("utf-8")).digest()


def hash_key(values: Sequence[object], algorithm: str = "MD5") -> bytes | None:
    """The stored hash key (raw bytes) of a business key given as one value per column."""
    return _digest(pre_image(values), algorithm)


def hashdiff(values: Sequence[object], names: Sequence[str], algorithm: str = "MD5") -> bytes:
    """The stored hashdiff of a payload, its columns named so they can be sorted."""
    digest = _digest(pre_image(values, hashdiff=True, names=names), algorithm)
    assert digest is not None
    return digest
