"""Show a :class:`~generator.compliance.trace.Trace`: a terminal table, JSON, or an HTML dossier.

JSON shape (``"schema": "dvkit.trace/1"``; a change that removes or renames a key gets a new number,
added keys do not). Keys always appear, in this order; ``null`` when there is nothing to say::

    {
      "schema": "dvkit.trace/1",
      "entity": "order",                      # the hub
      "key": "e481f51cbdc54678b7cc49136f2d6af7",  # business key as first delivered (columns joined by ||)
      "hash_key": "<hex>",                    # the hub key, hex
      "hash_algorithm": "MD5",
      "as_of": "2017-10-15T00:00:00" | null,  # only what the vault knew then
      "generated_at": "2026-12-05T10:30:00+00:00",  # when this trace was made (UTC, with its offset)
      "generated_from": {"database": "<url, password masked>", "dvkit_version": "0.1.0"},
      "hub": {
        "table": "raw_vault.hub_order",
        "business_key": {"order_id": "..."},  # as first delivered
        "first_seen": "<load_datetime>",
        "record_source": "...",
        "provenance": [SOURCE_LINE, ...],     # the landing row(s) that delivered it first
        "provenance_match": MATCH
      },
      "events": [EVENT, ...],                 # in time order
      "state": [EVENT, ...],                  # the current event of each satellite, link and period
      "notes": ["...", ...]                   # what could not be read (e.g. a table not built yet)
    }

    EVENT = {
      "time": "<load_datetime; for an erasure its erased_at in UTC>",
      "kind": "link" | "effectivity" | "satellite" | "multi_active_satellite" | "status" | "erasure",
      "name": "order_status",                 # satellite / link / effectivity satellite; "erasure"
      "table": "raw_vault.sat_order_status",
      "version": 2,                           # 1-based per kind + name + parent; 1 for erasures
      "parent": {"kind": "hub" | "link", "name": "order", "hash_key": "<hex>",
                 "keys": {"order_id": "..."},   # a link: the other hubs' business keys, then its child key
                 "hub_keys": {"customer": "<hex>"},  # a link: the other hubs' hash keys ({} for a hub)
                 "label": "order e481..."},
      "effective_from": "<iso>" | null,       # links and erasures have none
      "record_source": "olist_orders_dataset.csv" | null,
      "provenance": [SOURCE_LINE, ...],
      "provenance_match": MATCH,
      "values": {"order_status": "delivered", ...},  # multi-active: "field[child_key=value]"
      "erased_fields": ["customer_city", ...],        # values emptied by an erasure (shown null)
      "hidden_fields": ["customer_city", ...],        # personal data the role may not read (shown null)
      "diff": [{"field": "...", "change": "added" | "changed" | "removed" | "erased",
                "old": <value> | null, "new": <value> | null}, ...],
      "summary": "2 field(s) changed: order_status, order_delivered_customer_date"
    }
    SOURCE_LINE = {"batch_id": 17, "source_file": "olist_orders_dataset.csv.gz", "source_line": 3664,
                   "replay": REPLAY | null}   # null: the batch loaded the file as delivered
    REPLAY = {"snapshot": "olist",            # the snapshot folder replayed (dvkit load --replay)
              "snapshot_file": "olist_orders_dataset.csv.gz",  # the snapshot's file the line is in
              "period": "day" | "week" | "month",
              "period_start": "2017-01-01", "period_end": "2017-01-31T23:59:59"}  # the batch's load time
    MATCH = "hashdiff" | "key_and_load_time" | "driving_key_and_load_time" | "none" | "not_applicable"

Values: times ISO-8601 without offset (the vault's naive times), dates ISO-8601, numerics as
strings (exact: "29.90"), bytes as hex, everything else as JSON has it. Events are ordered by time,
then kind (link, effectivity, satellite, multi-active, status, erasure), name and parent; state by kind,
name and parent. The output depends only on the vault and the arguments: two runs give the same bytes
but for ``generated_at``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from functools import lru_cache
from typing import Any

import jinja2
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from generator.compliance.trace import HIDDEN_TEXT, BatchOrigin, Change, Event, Hidden, Parent, SourceLine, Trace

SCHEMA = "dvkit.trace/1"
ERASED = "[erased]"


# -- JSON -------------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as JSON holds it (see the module docstring)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Hidden):  # named in hidden_fields
        return None
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return str(value)


def _line(line: SourceLine, batches: dict[int, BatchOrigin]) -> dict[str, Any]:
    batch = batches.get(line.batch_id)
    replay = None
    if batch is not None and batch.period is not None:
        replay = {"snapshot": batch.snapshot, "snapshot_file": line.source_file, "period": batch.period,
                  "period_start": plain(batch.period_start), "period_end": plain(batch.period_end)}
    return {"batch_id": line.batch_id, "source_file": line.source_file, "source_line": line.source_line,
            "replay": replay}


def _parent(parent: Parent) -> dict[str, Any]:
    return {"kind": parent.kind, "name": parent.name, "hash_key": parent.hash_key.hex(),
            "keys": {k: plain(v) for k, v in parent.keys},
            "hub_keys": {k: plain(v) for k, v in parent.hub_keys}, "label": parent.label}


def _change(change: Change) -> dict[str, Any]:
    return {"field": change.field, "change": change.change, "old": plain(change.old), "new": plain(change.new)}


def _event(event: Event, batches: dict[int, BatchOrigin]) -> dict[str, Any]:
    return {
        "time": plain(event.time),
        "kind": event.kind,
        "name": event.name,
        "table": event.table,
        "version": event.version,
        "parent": _parent(event.parent),
        "effective_from": plain(event.effective_from),
        "record_source": event.record_source,
        "provenance": [_line(line, batches) for line in event.provenance],
        "provenance_match": event.match,
        "values": {k: plain(v) for k, v in event.values.items()},
        "erased_fields": list(event.erased_fields),
        "hidden_fields": list(event.hidden_fields),
        "diff": [_change(c) for c in event.diff],
        "summary": event.summary,
    }


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dvkit")
    except PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        return "unknown"


def to_dict(trace: Trace) -> dict[str, Any]:
    """The documented JSON shape as Python objects (only JSON types)."""
    hub = trace.hub
    return {
        "schema": SCHEMA,
        "entity": trace.entity,
        "key": trace.key,
        "hash_key": hub.hash_key.hex(),
        "hash_algorithm": trace.hash_algorithm,
        "as_of": plain(trace.as_of),
        "generated_at": trace.generated_at.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
        "generated_from": {"database": trace.database, "dvkit_version": _version()},
        "hub": {
            "table": hub.table,
            "business_key": {k: plain(v) for k, v in hub.business_key},
            "first_seen": plain(hub.first_seen),
            "record_source": hub.record_source,
            "provenance": [_line(line, trace.batches) for line in hub.provenance],
            "provenance_match": hub.match,
        },
        "events": [_event(e, trace.batches) for e in trace.events],
        "state": [_event(e, trace.batches) for e in trace.state],
        "notes": list(trace.notes),
    }


def to_json(trace: Trace) -> str:
    return json.dumps(to_dict(trace), indent=2, ensure_ascii=False) + "\n"


# -- text shared by the table and the dossier ------------------------------------------------------


def show(value: Any) -> str:
    """A value as a reviewer reads it."""
    if value is None:
        return "NULL"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return ", ".join(show(v) for v in value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def diff_line(change: Change) -> str:
    """``field: old -> new`` (a first value: ``field: + new``; gone: ``field: - old``)."""
    if change.change == "added":
        return f"{change.field}: + {show(change.new)}"
    if change.change == "removed":
        return f"{change.field}: - {show(change.old)}"
    if change.change == "erased":
        return f"{change.field}: {ERASED}" if change.old is None else f"{change.field}: {show(change.old)} -> {ERASED}"
    return f"{change.field}: {show(change.old)} -> {show(change.new)}"


def replay_text(batch: BatchOrigin | None) -> str:
    """``replayed from snapshot olist, month 2017-01-01 .. 2017-01-31 23:59:59`` ("" for a plain batch)."""
    if batch is None or batch.period is None:
        return ""
    return (f"replayed from snapshot {batch.snapshot}, {batch.period} "
            f"{show(batch.period_start)} .. {show(batch.period_end)}")


def lines_text(lines: list[SourceLine] | tuple[SourceLine, ...],
               batches: dict[int, BatchOrigin] | None = None) -> list[str]:
    found = []
    for line in lines:
        replay = replay_text((batches or {}).get(line.batch_id))
        where = f"batch {line.batch_id}  {cited(line.source_file, line.source_line)}"
        found.append(where + (f"  ({replay})" if replay else ""))
    return found


def what(event: Event) -> str:
    if event.kind == "erasure":
        return "erasure of personal data"
    kind = {"link": "link", "effectivity": "effectivity", "satellite": "satellite",
            "multi_active_satellite": "multi-active satellite", "status": "status-tracking satellite"}[event.kind]
    return f"{kind} {event.name} v{event.version}"


def shown_values(event: Event) -> list[tuple[str, str]]:
    return [(k, ERASED if k in event.erased_fields else HIDDEN_TEXT if k in event.hidden_fields else show(v))
            for k, v in event.values.items()]


# -- terminal ---------------------------------------------------------------------------------------


def to_table(trace: Trace, console: Console) -> None:
    """A header block, the timeline, then the state the vault held."""
    hub = trace.hub
    header = Table.grid(padding=(0, 2))
    header.add_column(style="bold", no_wrap=True)
    header.add_column(overflow="fold")
    header.add_row("entity", Text(f"{trace.entity} ({hub.table})"))
    for column, value in hub.business_key:
        header.add_row("key", Text(f"{column} = {show(value)}"))
    header.add_row("hash key", Text(f"{hub.hash_key.hex()} ({trace.hash_algorithm})"))
    header.add_row("first seen", Text(f"{show(hub.first_seen)}  from {hub.record_source}"))
    header.add_row("delivered by", Text("; ".join(lines_text(hub.provenance, trace.batches))
                                        or "(no landing row found)"))
    header.add_row("as of", Text(show(trace.as_of) if trace.as_of else "now (everything loaded)"))
    header.add_row("read from", Text(trace.database))
    console.print(header)
    console.print()

    timeline = Table(title=f"{len(trace.events)} event(s), in time order", title_justify="left", show_lines=True)
    timeline.add_column("load time", no_wrap=True)
    timeline.add_column("event and where it came from", overflow="fold", ratio=1)
    timeline.add_column("change", overflow="fold", ratio=1)
    for event in trace.events:
        when = show(event.time)
        if event.effective_from is not None and event.effective_from != event.time:
            when += f"\neffective\n{show(event.effective_from)}"
        described = [what(event)]
        if event.parent.kind == "link" and event.kind != "link":  # a link's own row says it under change
            described.append(event.parent.label)
        if event.kind == "erasure":
            described.append(f"by {show(event.values.get('erased_by'))}")
        else:
            described.append(f"from {event.record_source}")
            described += lines_text(event.provenance, trace.batches) or ["(no landing row found)"]
        if event.kind in ("link", "erasure"):
            change = [event.summary]
        else:
            change = [diff_line(c) for c in event.diff] or [event.summary]
        timeline.add_row(Text(when), Text("\n".join(described)), Text("\n".join(change)))
    console.print(timeline)

    state = Table(title="state " + (f"as of {show(trace.as_of)}" if trace.as_of else "now"), title_justify="left",
                  show_lines=True)
    state.add_column("what", overflow="fold", ratio=1)
    state.add_column("since", no_wrap=True)
    state.add_column("values", overflow="fold", ratio=1)
    for event in trace.state:
        described = what(event) + (f"\n{event.parent.label}" if event.parent.kind == "link" else "")
        state.add_row(Text(described), Text(show(event.time)),
                      Text("\n".join(f"{k}: {v}" for k, v in shown_values(event))))
    console.print(Group(Text(""), state))
    for note in trace.notes:
        console.print(Text(f"note: {note}"))


# -- HTML -------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("generator.compliance", "templates"),
        autoescape=True,  # every value is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _where(line: SourceLine, batches: dict[int, BatchOrigin]) -> str:
    replay = replay_text(batches.get(line.batch_id))
    return cited(line.source_file, line.source_line) + (f" ({replay})" if replay else "")


def cited(source_file: str, source_line: int) -> str:
    """A landing row's origin for people: ``file:line`` for a file, ``table row N`` for a table source
    (N: the row's place in the order the load read the table in).

    >>> cited("olist_orders_dataset.csv.gz", 3664), cited("crm.customers", 2)
    ('olist_orders_dataset.csv.gz:3664', 'crm.customers row 2')
    """
    if source_file.endswith((".csv", ".csv.gz")):
        return f"{source_file}:{source_line}"
    return f"{source_file} row {source_line}"


def _view(event: Event, batches: dict[int, BatchOrigin]) -> dict[str, Any]:
    return {
        "time": show(event.time),
        "effective_from": show(event.effective_from) if event.effective_from else "",
        "kind": event.kind,
        "what": what(event),
        "table": event.table,
        "parent": event.parent.label,
        "record_source": event.record_source or "",
        "lines": [{"batch": line.batch_id, "where": _where(line, batches)} for line in event.provenance],
        "match": event.match,
        "summary": event.summary,
        "diff": [{"field": c.field, "change": c.change, **_before_after(c)} for c in event.diff],
        "values": shown_values(event),
        "erased": bool(event.erased_fields) or event.kind == "erasure",
    }


def _before_after(change: Change) -> dict[str, str]:
    if change.change == "added":
        return {"old": "", "new": show(change.new)}
    if change.change == "removed":
        return {"old": show(change.old), "new": "(gone)"}
    if change.change == "erased":
        return {"old": "" if change.old is None else show(change.old), "new": ERASED}
    return {"old": show(change.old), "new": show(change.new)}


def to_html(trace: Trace, generated_at: dt.datetime | None = None) -> str:
    """A self-contained, printable dossier: inline CSS, no scripts, no external resources."""
    hub = trace.hub
    moment = generated_at or trace.generated_at
    if moment.tzinfo is not None:  # the dossier says UTC
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return _templates().get_template("trace.html.j2").render(
        entity=trace.entity,
        key=trace.key,
        business_key=[(c, show(v)) for c, v in hub.business_key],
        hash_key=hub.hash_key.hex(),
        hash_algorithm=trace.hash_algorithm,
        table=hub.table,
        first_seen=show(hub.first_seen),
        record_source=hub.record_source,
        hub_lines=[{"batch": line.batch_id, "where": _where(line, trace.batches)} for line in hub.provenance],
        as_of=show(trace.as_of) if trace.as_of else "",
        database=trace.database,
        version=_version(),
        schema=SCHEMA,
        generated_at=show(moment.replace(microsecond=0)),
        events=[_view(e, trace.batches) for e in trace.events],
        state=[_view(e, trace.batches) for e in trace.state],
        notes=list(trace.notes),
    )
