"""The audit report (``dvkit audit``): the rows of ``dvkit.audit_log`` in a period, as text, JSON, CSV or HTML.

Every format lists the same rows in the same order (time, then id) and is deterministic: the same
log gives the same bytes. A load lists its files, each with its SHA-256 and rows read, loaded and
set aside; a build its tables and batches; an erasure its id and hub key (never a business key).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2

from generator.compliance.audit import AuditRow, iso

FORMATS = ("table", "json", "csv", "html")
FILE_FIELDS = ("source", "file", "sha256", "rows_read", "rows_loaded", "rows_quarantined")
CSV_HEADER = ("id", "at", "kind", "db_role", "os_user", "outcome", "what", *FILE_FIELDS, "row_hash")


@dataclass(frozen=True)
class Period:
    """The days a report covers (UTC, both ends included; None: open)."""

    first: dt.date | None = None
    last: dt.date | None = None

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """``start <= at < end`` in UTC.

        >>> Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31)).bounds()[1].isoformat()
        '2026-02-01T00:00:00+00:00'
        """
        utc = dt.timezone.utc
        start = dt.datetime.combine(self.first, dt.time(), utc) if self.first else None
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), utc) if self.last else None
        return start, end

    def label(self) -> str:
        """
        >>> Period().label(), Period(dt.date(2026, 1, 1)).label()
        ('everything', 'from 2026-01-01')
        """
        if self.first and self.last:
            return f"{self.first.isoformat()} to {self.last.isoformat()}"
        if self.first:
            return f"from {self.first.isoformat()}"
        if self.last:
            return f"up to {self.last.isoformat()}"
        return "everything"


def what(row: AuditRow) -> str:
    """One line saying what the row's action did.

    >>> at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    >>> what(AuditRow(3, at, "erasure", "r", "u", {"outcome": "erased", "erasure_id": 2, "entity": "customer",
    ...      "hub_key": "ab12", "rows_erased": 4}, "", ""))
    'erasure 2 of customer hub key ab12: 4 row(s) changed'
    """
    s = row.summary
    if row.kind == "load" and s.get("outcome") == "refused":
        return (f"refused{' under --strict' if s.get('strict') else ''}, nothing of it was loaded: "
                f"load time {s.get('load_ts') or '(now)'} from {s.get('origin')}, {len(s.get('files') or [])} file(s)")
    if row.kind == "load":
        return (f"batch {s.get('batch_id')} (load time {s.get('load_ts')}) from {s.get('origin')}: "
                f"{s.get('rows_loaded')} row(s) loaded, {s.get('rows_quarantined')} set aside, "
                f"{len(s.get('files') or [])} file(s)")
    if row.kind in ("build", "rebuild"):
        if s.get("outcome") == "failed":
            return f"failed: {s.get('error')}" + (f"; tables to rebuild: {', '.join(s['rebuild'])}"
                                                  if s.get("rebuild") else "")
        built = s.get("built") or []
        text = (f"{len(built)} raw vault table(s) built from batches {s.get('batch_from')}..{s.get('batch_to')} "
                f"in {s.get('dbt_runs')} dbt run(s)")
        if s.get("rebuild"):
            text += f"; rebuilt from landing: {', '.join(s['rebuild'])}"
        if s.get("dropped"):
            text += f"; dropped: {', '.join(s['dropped'])}"
        if built:
            text += f"; tables: {', '.join(built)}"
        return text
    if row.kind == "erasure":
        return (f"erasure {s.get('erasure_id')} of {s.get('entity')} hub key {s.get('hub_key')}: "
                f"{s.get('rows_erased')} row(s) changed")
    # Other kinds (a retention run) are shown as their summary, which they make readable.
    return json.dumps({k: v for k, v in s.items() if k != "outcome"}, sort_keys=True, ensure_ascii=False)


def files(row: AuditRow) -> list[dict[str, Any]]:
    """The files of a load (each with FILE_FIELDS), in the order they were loaded."""
    return [{name: item.get(name) for name in FILE_FIELDS} for item in row.summary.get("files") or []]


def to_table(rows: Sequence[AuditRow], period: Period) -> str:
    """Plain text: a line per row, then a line per file of a load."""
    lines = [f"audit log, {period.label()}: {len(rows)} row(s)"]
    for row in rows:
        lines.append(f"#{row.id}  {iso(row.at)}  {row.kind:<9} {row.db_role} (os user {row.os_user})  "
                     f"{row.summary.get('outcome', '')}: {what(row)}")
        for item in files(row):
            lines.append(f"      {item['source']}: {item['file']}  sha256 {item['sha256'] or '(not kept)'}  "
                         f"read {item['rows_read']}, loaded {item['rows_loaded']}, "
                         f"set aside {item['rows_quarantined']}")
    return "\n".join(lines) + "\n"


def to_json(rows: Sequence[AuditRow], period: Period) -> str:
    """The rows as stored (summary, hashes), with the period: stable keys, sorted."""
    first, last = period.first, period.last
    document = {"period": {"from": first.isoformat() if first else None, "to": last.isoformat() if last else None},
                "rows": [{"id": r.id, "at": iso(r.at), "kind": r.kind, "db_role": r.db_role, "os_user": r.os_user,
                          "summary": r.summary, "prev_hash": r.prev_hash, "row_hash": r.row_hash} for r in rows]}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def to_csv(rows: Sequence[AuditRow]) -> str:
    """One CSV line per row, and per file of a load (the row's columns repeated)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        head = [row.id, iso(row.at), row.kind, row.db_role, row.os_user, row.summary.get("outcome", ""), what(row)]
        for item in files(row) or [dict.fromkeys(FILE_FIELDS, "")]:
            writer.writerow([*head, *(("" if item[f] is None else item[f]) for f in FILE_FIELDS), row.row_hash])
    return buffer.getvalue()


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("generator.compliance", "templates"),
        autoescape=True,  # every value from the log is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def to_html(rows: Sequence[AuditRow], period: Period, version: str) -> str:
    """One self-contained page (inline CSS, no scripts, nothing fetched)."""
    views = [{"id": r.id, "at": iso(r.at), "kind": r.kind, "db_role": r.db_role, "os_user": r.os_user,
              "outcome": r.summary.get("outcome", ""), "what": what(r), "files": files(r), "row_hash": r.row_hash}
             for r in rows]
    return _templates().get_template("audit.html.j2").render(rows=views, period=period.label(), version=version)
