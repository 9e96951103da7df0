"""The resolved view of a source with lookups: earlier rows that a delivery of the staged batches resolves.

What it holds and who reads it: ``generator/kinds/resolved.py``. It names its CTEs and subquery
aliases here, so that validation can keep a looked-up source from taking one of those names
(``generator/spec/validate.py``); its columns are those of the pending view.

>>> sorted(RESOLVED_CTES)
['delivered', 'landed', 'seen']
"""

from __future__ import annotations

from generator.kinds.files import STAGING, GeneratedFile, render
from generator.kinds.resolved import resolved_view
from generator.render.pending import LANDED, VALID_FROM
from generator.spec.model import Source, Spec

DELIVERED = "delivered"  # a looked-up source's landing rows
SEEN = "seen"  # the same rows, of the batches before the run's
RESOLVED_CTES = frozenset({LANDED, DELIVERED, SEEN})


def resolved_file(spec: Spec, source: Source) -> GeneratedFile:
    """``resolved_<source>.sql``."""
    body = render("resolved.sql.j2", source=source, first_line_per=spec.first_line_per_key(source.name),
                  landed=LANDED, delivered=DELIVERED, seen=SEEN, valid_from=VALID_FROM)
    return GeneratedFile(f"{STAGING}/{resolved_view(source.name)}.sql", body, source.origin.path,
                         f"source {source.name}")
