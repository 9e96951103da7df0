"""What a build must do to make the raw vault what the spec says of the landed batches.

The raw vault is a function of the spec and the landed batches (``landing`` keeps every batch). Each
table is compared with its record (``state.py``) and gets one status:

=========== =========================================================================================
unchanged   built from the same definition up to the last landed batch: nothing to do
pending     same definition; the batches landed since it was last built are to be loaded
new         not built yet: built from every landed batch, in load-time order, each with its own load
            time, as if it had existed from the start
missing     recorded, but the table is gone (dropped by hand): built again from every landed batch
additive    a new source feeds a hub or link, or a satellite gained ``payload_added`` columns: built
            again from every landed batch (the result equals a vault built with the new spec from the
            start; rows already stored would not)
breaking    a hash key, business key, hashdiff, parent, driving key or column type changed: the stored
            rows no longer match the spec; ``dvkit rebuild`` builds it again, on request only
rebuild     asked for by ``dvkit rebuild``: built again from every landed batch
late        a pending batch that feeds it is older than a batch landed before it (``late.py``): built
            again from every landed batch, in load-time order, so that it equals a table that loaded
            every batch in load-time order (the insert-only macros would skip late rows)
retired     a raw vault table the spec no longer declares: kept, and dropped only on request
=========== =========================================================================================

A plan is *safe* when nothing in it is breaking: a build carries it out without a decision.

>>> from generator.evolution.definition import Definition
>>> old = Definition("sat_s", "sat", {"payload": ["a text"]}, ("src",), added={"sat_s": ["b text"]})
>>> new = Definition("sat_s", "sat", {"payload": ["a text"]}, ("src",), added={"sat_s": ["b text", "c text"]})
>>> compare(old.as_json(), new)
('additive', ['payload_added of sat_s gains c text'])
>>> compare(old.as_json(), Definition("sat_s", "sat", {"payload": ["a integer"]}, ("src",)))[0]
'breaking'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.evolution.definition import Definition
from generator.evolution.state import VaultState

UNCHANGED, PENDING, NEW, MISSING, ADDITIVE, BREAKING, REBUILD, RETIRED, LATE = (
    "unchanged", "pending", "new", "missing", "additive", "breaking", "rebuild", "retired", "late")
# Statuses whose table is built again from the first landed batch.
FROM_SCRATCH = (NEW, MISSING, ADDITIVE, REBUILD, LATE)
ROWS_WORDS = {
    "hash": "hash algorithm", "hash_key": "hash key", "business_key": "business key", "hubs": "hubs' keys",
    "dependent_child_key": "dependent child key", "parent": "parent", "parent_key": "parent key columns",
    "source": "source", "payload": "hashdiff columns", "child_key": "child key", "effective_from": "effective_from",
    "ghost_record": "ghost record setting", "link": "link", "link_key": "link key columns",
    "driving_key": "driving key", "satellites": "tracked satellites", "key": "key",
    "one_row_per_key": "one_row_per_key",
}


@dataclass(frozen=True)
class ModelPlan:
    """What the build does with one raw vault table."""

    model: str
    status: str
    reasons: tuple[str, ...] = ()
    first_batch: int = 0  # the batches it is built from: first_batch..last_batch (none when first > last)
    last_batch: int = 0

    @property
    def from_scratch(self) -> bool:
        return self.status in FROM_SCRATCH

    def as_json(self) -> dict[str, Any]:
        batches = [self.first_batch, self.last_batch] if self.first_batch <= self.last_batch else None
        return {"model": self.model, "status": self.status, "reasons": list(self.reasons), "batches": batches}


@dataclass(frozen=True)
class Plan:
    """Every table's plan, the landed batches, and what the business vault needs."""

    models: tuple[ModelPlan, ...]
    last_loaded: int
    retired: tuple[str, ...] = ()
    business_stale: bool = False  # its project changed, or it was never built, or it lags the raw vault
    notes: tuple[str, ...] = field(default=())

    @property
    def breaking(self) -> list[ModelPlan]:
        return [m for m in self.models if m.status == BREAKING]

    @property
    def safe(self) -> bool:
        """No decision needed: a build carries the whole plan out."""
        return not self.breaking

    @property
    def work(self) -> list[ModelPlan]:
        """The tables a build runs dbt for (breaking ones excluded: they are refused)."""
        return [m for m in self.models if m.status in (PENDING, *FROM_SCRATCH) and m.first_batch <= m.last_batch]

    @property
    def idle(self) -> bool:
        """Nothing to build: every table is up to date and so is the business vault."""
        return not self.work and not self.breaking and not self.business_stale

    def as_json(self) -> dict[str, Any]:
        return {"last_loaded_batch": self.last_loaded, "safe": self.safe, "idle": self.idle,
                "models": [m.as_json() for m in self.models], "retired": list(self.retired),
                "business_vault": "stale" if self.business_stale else "up to date", "notes": list(self.notes)}


def compare(old: dict[str, Any], new: Definition) -> tuple[str, list[str]]:
    """The status of a table recorded as ``old`` whose spec now says ``new``, and why.

    Returns (UNCHANGED, []) when nothing that decides its rows changed.
    """
    if old.get("kind") != new.kind:
        return BREAKING, [f"kind changes ({old.get('kind')} -> {new.kind})"]
    breaking = [_changed(key, (old.get("rows") or {}).get(key), new.rows.get(key))
                for key in sorted(set(old.get("rows") or {}) | set(new.rows))
                if (old.get("rows") or {}).get(key) != new.rows.get(key)]
    additive: list[str] = []
    old_feeds: dict[str, list[str]] = old.get("feeds") or {}
    for source, columns in old_feeds.items():
        if source not in new.feeds:
            breaking.append(f"source {source} no longer feeds it (the keys it delivered stay until rebuilt)")
        elif new.feeds[source] != columns:
            breaking.append(f"key columns from {source} change ({_show(columns)} -> {_show(new.feeds[source])})")
    additive += [f"new source {source}" for source in new.feeds if source not in old_feeds]
    old_added: dict[str, list[str]] = old.get("added") or {}
    for model in sorted(set(old_added) | set(new.added)):
        was, now = old_added.get(model, []), new.added.get(model, [])
        if now[:len(was)] != was:
            breaking.append(f"payload_added of {model} changes ({_show(was)} -> {_show(now)}): it is append-only")
        elif len(now) > len(was):
            additive.append(f"payload_added of {model} gains {', '.join(now[len(was):])}")
    if breaking:
        return BREAKING, breaking
    return (ADDITIVE, additive) if additive else (UNCHANGED, [])


def _changed(key: str, was: Any, now: Any) -> str:
    """``hashdiff columns: +phone text`` for lists that gain or lose items, else ``word: old -> new``."""
    word = ROWS_WORDS.get(key, key)
    if isinstance(was, list) and isinstance(now, list) and sorted(was) != sorted(now):
        plus, minus = [c for c in now if c not in was], [c for c in was if c not in now]
        if len(plus) == len(minus) == 1:
            return f"{word}: {minus[0]} -> {plus[0]}"
        return f"{word}: " + ", ".join([*(f"+{c}" for c in plus), *(f"-{c}" for c in minus)])
    if isinstance(was, dict) and isinstance(now, dict) and set(was) == set(now):
        inner = [f"{name} ({_changed(k, (was[name] or {}).get(k), (now[name] or {}).get(k))})"
                 for name in now if isinstance(now[name], dict) and isinstance(was[name], dict)
                 for k in sorted(set(was[name]) | set(now[name])) if was[name].get(k) != now[name].get(k)]
        if inner:
            return f"{word}: " + "; ".join(inner)
    return f"{word}: {_show(was)} -> {_show(now)}"


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    if isinstance(value, dict):
        return ", ".join(value) or "none"
    return str(value)


def make_plan(current: dict[str, Definition], state: VaultState, rebuild: frozenset[str] = frozenset(),
              business_digest: str | None = None, late: Mapping[str, str] | None = None) -> Plan:
    """Compare the spec's ``current`` definitions with the database's ``state``.

    ``rebuild`` names tables to build again from every landed batch whatever their status;
    ``business_digest`` describes the business vault project and the raw vault record (None: the
    project has no business vault); ``late`` gives, by model, why a pending batch is late for it
    (``late.late_reasons``): a pending table it names is built again from every landed batch.

    >>> from generator.evolution.state import Recorded
    >>> d = Definition("sat_s", "sat", {}, ("src",))
    >>> vault = VaultState(3, {"sat_s": Recorded("sat_s", d.as_json(), 2)}, {"sat_s"}, None)
    >>> make_plan({"sat_s": d}, vault).models[0]
    ModelPlan(model='sat_s', status='pending', reasons=(), first_batch=3, last_batch=3)
    >>> make_plan({"sat_s": d}, vault, late={"sat_s": "late batch 3"}).models[0]
    ModelPlan(model='sat_s', status='late', reasons=('late batch 3',), first_batch=1, last_batch=3)
    """
    late = late or {}
    last = state.last_loaded
    models = []
    for model, definition in current.items():
        recorded = state.recorded.get(model)
        if model in rebuild:
            models.append(ModelPlan(model, REBUILD, ("asked for",), 1, last))
        elif recorded is None:
            reason = "table exists, not built by dvkit: built again" if model in state.tables else "not built yet"
            models.append(ModelPlan(model, NEW, (reason,), 1, last))
        elif model not in state.tables:
            models.append(ModelPlan(model, MISSING, ("the table is gone: built again from landing",), 1, last))
        else:
            status, reasons = compare(recorded.definition, definition)
            if status == UNCHANGED and recorded.last_batch < last:
                status = PENDING
            if status == PENDING and model in late:  # a breaking change is decided first
                status, reasons = LATE, [late[model]]
            first = 1 if status in FROM_SCRATCH else recorded.last_batch + 1
            models.append(ModelPlan(model, status, tuple(reasons), first, last))
    retired = tuple(sorted((set(state.recorded) | state.tables) - set(current)))
    business_stale = business_digest is not None and (
        any(m.status not in (UNCHANGED, BREAKING) for m in models) or state.business_digest != business_digest)
    notes = ("tables taken as built from the current spec up to the last build (recorded from now on)",) \
        if any(r.adopted for r in state.recorded.values()) else ()
    return Plan(tuple(models), last, retired, business_stale, notes)
