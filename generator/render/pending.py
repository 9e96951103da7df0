"""The pending view of each staged source: the rows of the batches a build stages, with their lookups.

It names its CTEs and the validity columns of its lookups here, so that validation can keep a source
or column of the spec from taking one of those names (``generator/spec/validate.py``).

>>> sorted(PENDING_CTES), sorted(PENDING_COLUMNS)
(['deliveries', 'landed'], ['_valid_from_batch', '_valid_until_batch'])
"""

from __future__ import annotations

from generator.kinds.files import STAGING, GeneratedFile, render
from generator.spec.model import Source, Spec

LANDED = "landed"  # the CTE of the staged batches' rows
DELIVERIES = "deliveries"  # the subquery of a lookup's deliveries
VALID_FROM, VALID_UNTIL = "_valid_from_batch", "_valid_until_batch"  # a lookup delivery's validity
LONGEST_NAME = "pending_{}"  # the longest identifier made of a source's name (its stage is stg_{})
PENDING_CTES = frozenset({LANDED, DELIVERIES})
PENDING_COLUMNS = frozenset({VALID_FROM, VALID_UNTIL})


def pending_file(spec: Spec, source: Source) -> GeneratedFile:
    """``pending_<source>.sql``."""
    body = render("pending.sql.j2", source=source, first_line_per=spec.first_line_per_key(source.name),
                  landed=LANDED, deliveries=DELIVERIES, valid_from=VALID_FROM, valid_until=VALID_UNTIL)
    return GeneratedFile(f"{STAGING}/pending_{source.name}.sql", body, source.origin.path, f"source {source.name}")
