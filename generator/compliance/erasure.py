"""One erasure request end to end: check the key, erase, vacuum, rebuild the marts, say what was done.

``generator.compliance.erase`` holds the steps (and the erasure policy); this module puts them in
order, so that the command line and any other caller erase the same way:

1. ``prepare`` checks the request against the spec (the entity has personal data, the key is typed
   right), then ``check`` against the vault (the hub holds the key); neither changes anything. The
   request names the tables to erase (for a confirmation) and the personal data it does not reach.
2. ``carry_out`` erases and logs in one transaction (holding the vault's lock, so no load or build
   runs meanwhile), then VACUUMs the changed tables and rebuilds the business vault and marts.
   Nothing is vacuumed or rebuilt when nothing was left to erase.
3. ``ErasureOutcome.lines`` is what to tell the person who asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.compliance.erase import (
    ErasurePlan,
    ErasureResult,
    check_key,
    erase,
    hub_key_of,
    plan_erasure,
    rebuild_marts,
    vacuum,
)
from generator.db import Database
from generator.lock import vault_lock
from generator.spec.model import Spec

SOURCE_REMINDER = "the source system must erase this data too, or its next delivery brings it back"


@dataclass(frozen=True)
class ErasureRequest:
    """A checked request: which key of which hub, and what erasing it touches."""

    entity: str
    key: tuple[str, ...]
    plan: ErasurePlan
    hub_key: bytes

    def notes(self) -> list[str]:
        """The personal data this erasure leaves, one note each (to show before erasing)."""
        return [f"{model} holds personal data on a link and is not erased by this command"
                for model in self.plan.not_covered]

    def confirmation(self) -> str:
        """What will be erased, said before asking; it names the hash key, never the business key."""
        return (f"{self.entity} {self.hub_key.hex()}: the personal data in {', '.join(self.plan.tables())} "
                "will be erased for good.")


@dataclass(frozen=True)
class ErasureOutcome:
    """What an erasure did: rows per table, the tables VACUUM skipped, whether the marts were rebuilt."""

    result: ErasureResult
    not_vacuumed: tuple[str, ...] = ()
    marts_rebuilt: bool = False

    def lines(self) -> list[str]:
        """The closing report.

        >>> ErasureOutcome(ErasureResult(7, "customer", b"", {"landing.customers": 0})).lines()
        ['nothing left to erase for this key (already erased?); the request is logged']
        >>> ErasureOutcome(ErasureResult(8, "customer", b"", {"landing.customers": 2}), (), True).lines()[0]
        'erased 2 row(s) in 1 table(s); logged in dvkit.erasure_log (8); business vault and marts rebuilt'
        """
        result = self.result
        if not result.rows_erased:
            return ["nothing left to erase for this key (already erased?); the request is logged"]
        return [f"erased {result.rows_erased:,} row(s) in {len(result.tables)} table(s); logged in "
                f"dvkit.erasure_log ({result.erasure_id})"
                + ("; business vault and marts rebuilt" if self.marts_rebuilt else ""),
                SOURCE_REMINDER]


def prepare(spec: Spec, entity: str, key: Sequence[str]) -> ErasureRequest:
    """Check a request against the spec alone (before any database is started or reached).

    Raises DvkitError naming what is wrong and how to fix it.
    """
    values = list(key)
    plan = plan_erasure(spec, entity)
    return ErasureRequest(entity, tuple(values), plan, hub_key_of(spec, plan.hub, values))


def check(db: Database, request: ErasureRequest) -> None:
    """Refuse a key the hub does not hold (one landed but not built yet is named as such); changes nothing."""
    with db.connect() as conn:
        check_key(conn, request.plan, request.hub_key, list(request.key))


def carry_out(project_dir: Path, db: Database, spec: Spec, request: ErasureRequest, reason: str,
              log: Callable[[str], None], on_erased: Callable[[ErasureResult], None] | None = None) -> ErasureOutcome:
    """Erase ``request``'s key and log it, vacuum, rebuild the business vault and marts.

    ``log`` receives progress and notes; ``on_erased`` sees the committed erasure before the slow
    vacuum and rebuild (so a rebuild that fails still leaves what was erased on screen).
    """
    # One writer at a time: no build or load runs while the data is erased and the marts rebuilt.
    with vault_lock(db, "erase", on_wait=log):
        result = erase(db, spec, request.entity, list(request.key), reason)
        if on_erased is not None:
            on_erased(result)
        if not result.rows_erased:
            return ErasureOutcome(result)
        skipped = vacuum(db, result.tables)
        if skipped:
            log(f"note: could not VACUUM {', '.join(skipped)}; autovacuum will remove the old row versions")
        log("rebuilding the business vault and marts")
        rebuilt = rebuild_marts(project_dir, db)
    return ErasureOutcome(result, tuple(skipped), rebuilt)
