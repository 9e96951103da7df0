"""One erasure request end to end: check the key, erase, vacuum, rebuild the marts, say what was done.

``generator.compliance.erase`` holds the steps (and the erasure policy); this module puts them in
order, so that the command line and any other caller erase the same way:

1. ``prepare`` checks the request against the spec (the entity has personal data or reaches some,
   the keys are typed right), then ``check`` against the vault (every key matches a key of the hub,
   by any business key the spec knows); neither changes anything. The request names the tables to
   erase (for a confirmation) and the personal data it does not reach.
2. ``carry_out`` erases every key and what it reaches, logs and registers them, in one transaction
   (holding the vault's lock, so no load or build runs meanwhile), removes the trace dossiers that
   name the keys, then VACUUMs the changed tables and rebuilds the business vault and marts once.
   Nothing is vacuumed or rebuilt when nothing was left to erase; a dry run is rolled back.
3. ``ErasureOutcome.lines`` is what to tell the person who asked.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.compliance.erase import ErasureResult, rebuild_marts, vacuum
from generator.compliance.leftovers import remove_dossiers
from generator.compliance.roles import regrant_reviewers
from generator.compliance.subjects import SubjectPlan, erase_subjects, plan_subject, resolve_keys, typed_keys
from generator.db import Database
from generator.lock import vault_lock
from generator.spec.model import Spec

SOURCE_REMINDER = "the source system must erase this data too; dvkit keeps it erased in every later load"


@dataclass(frozen=True)
class ErasureRequest:
    """A checked request: which keys of which hub, and what erasing them touches."""

    entity: str
    keys: tuple[tuple[str, ...], ...]
    plan: SubjectPlan

    def notes(self) -> list[str]:
        """The personal data this erasure leaves, one note each (to show before erasing)."""
        return [f"{model} holds personal data on a link and is not erased by this command"
                for model in self.plan.not_covered()]

    def confirmation(self) -> str:
        """What will be erased, said before asking; it names no business key."""
        reached = [p.hub.name for p in self.plan.plans if p.hub.name != self.entity]
        return (f"{len(self.keys)} {self.entity} key(s)"
                + (f" and the {', '.join(reached)} keys they reach" if reached else "")
                + f": the personal data in {', '.join(self.plan.tables())} will be erased for good.")


@dataclass(frozen=True)
class ErasureOutcome:
    """What an erasure did: rows per table, the tables VACUUM skipped, whether the marts were rebuilt."""

    result: ErasureResult
    not_vacuumed: tuple[str, ...] = ()
    marts_rebuilt: bool = False
    dossiers_removed: int = 0

    def lines(self) -> list[str]:
        """The closing report.

        >>> ErasureOutcome(ErasureResult(7, "customer", b"", {"landing.customers": 0})).lines()
        ['nothing left to erase for these keys (already erased?); the request is logged']
        >>> ErasureOutcome(ErasureResult(8, "customer", b"", {"landing.customers": 2}), (), True).lines()[0]
        'erased 2 row(s) in 1 table(s); logged in dvkit.erasure_log (run 8); business vault and marts rebuilt'
        >>> ErasureOutcome(ErasureResult(0, "customer", b"", {"landing.customers": 2}, dry_run=True)).lines()
        ['dry run: would erase 2 row(s) in 1 table(s); nothing was changed']
        """
        result = self.result
        if result.dry_run:
            return [f"dry run: would erase {result.rows_erased:,} row(s) in {len(result.tables)} table(s); "
                    "nothing was changed"]
        if not result.rows_erased:
            return ["nothing left to erase for these keys (already erased?); the request is logged"]
        return [f"erased {result.rows_erased:,} row(s) in {len(result.tables)} table(s); logged in "
                f"dvkit.erasure_log (run {result.erasure_id})"
                + ("; business vault and marts rebuilt" if self.marts_rebuilt else ""),
                *([f"removed {self.dossiers_removed} trace dossier(s) of the erased keys from .dvkit/"]
                  if self.dossiers_removed else []),
                SOURCE_REMINDER]


def read_keys_file(path: Path) -> list[str]:
    """Keys from a file, one a line (the values of a key of several columns separated by commas);
    blank lines and lines starting with ``#`` are skipped."""
    import csv

    values: list[str] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(line for line in handle if line.strip() and not line.lstrip().startswith("#")):
            values.extend(field.strip() for field in row)
    return values


def prepare(spec: Spec, entity: str, values: Sequence[str]) -> ErasureRequest:
    """Check a request against the spec alone (before any database is started or reached).

    ``values``: the keys as typed, one value per key (or one per business key column, in turn).
    Raises DvkitError naming what is wrong and how to fix it.
    """
    plan = plan_subject(spec, entity)
    keys = typed_keys(plan.hub, list(values))
    return ErasureRequest(entity, tuple(tuple(k) for k in keys), plan)


def check(db: Database, spec: Spec, request: ErasureRequest) -> int:
    """Refuse keys the hub does not hold, by any business key the spec knows; changes nothing.
    Returns the number of hub keys the request names."""
    with db.connect() as conn:
        return len(resolve_keys(conn, spec, request.plan, request.keys))


@contextlib.contextmanager
def quiet_command_line(tag: str) -> Iterator[None]:
    """dbt records the process's command line (``invocation_command`` in run_results.json and its
    log): while it runs for an erasure, it reads ``tag`` (the erasure's id), not the keys typed."""
    saved = sys.argv
    sys.argv = ["dbt", "build", tag]
    try:
        yield
    finally:
        sys.argv = saved


def carry_out(project_dir: Path, db: Database, spec: Spec, request: ErasureRequest, reason: str,
              log: Callable[[str], None], on_erased: Callable[[ErasureResult], None] | None = None,
              dry_run: bool = False) -> ErasureOutcome:
    """Erase ``request``'s keys and all they reach, and log it, vacuum, rebuild the business vault
    and marts once, and remove the trace dossiers that name the keys.

    ``log`` receives progress and notes; ``on_erased`` sees the committed erasure before the slow
    vacuum and rebuild (so a rebuild that fails still leaves what was erased on screen). With
    ``dry_run`` the erasure is rolled back and nothing else is done.
    """
    # One writer at a time: no build or load runs while the data is erased and the marts rebuilt.
    with vault_lock(db, "erase", on_wait=log):
        result = erase_subjects(db, spec, request.entity, request.keys, reason, dry_run=dry_run)
        if on_erased is not None:
            on_erased(result)
        if dry_run:
            return ErasureOutcome(result)
        removed, kept = remove_dossiers(project_dir, result.business_keys)
        for path in kept:
            log(f"note: {path.relative_to(project_dir)} names an erased key; it is not a dossier of dvkit's, "
                "delete it if it should go")
        if not result.rows_erased:
            return ErasureOutcome(result, dossiers_removed=len(removed))
        skipped, rebuilt = refresh_after_erasure(project_dir, db, spec, result.tables,
                                                 f"--dvkit-erasure={result.erasure_id}", log)
    return ErasureOutcome(result, skipped, rebuilt, len(removed))


def refresh_after_erasure(project_dir: Path, db: Database, spec: Spec, tables: Sequence[str], marker: str,
                          log: Callable[[str], None]) -> tuple[tuple[str, ...], bool]:
    """What follows every erasure (a request's or retention's): VACUUM the changed ``tables`` so that
    the old row versions go from disk, rebuild the business vault and marts from the erased vault (dbt
    records ``marker`` in place of the command line, which may name a key), and give the reviewer
    roles their column grants on the rebuilt marts back. Returns the tables VACUUM skipped and
    whether the rebuild succeeded."""
    skipped = vacuum(db, tables)
    if skipped:
        log(f"note: could not VACUUM {', '.join(skipped)}; autovacuum will remove the old row versions")
    log("rebuilding the business vault and marts")
    with quiet_command_line(marker):
        rebuilt = rebuild_marts(project_dir, db)
    for line in regrant_reviewers(project_dir, db, spec):  # the rebuilt marts lost their column grants
        log(line)
    return tuple(skipped), rebuilt
