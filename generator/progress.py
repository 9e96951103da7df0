"""Progress lines of long loads and builds: what is done, how much of it, and the time it took.

Two runs of the same work print the same lines apart from the timings, which are always the last
thing on a line (in parentheses), so logs can be compared with the timings cut off.

>>> rows_line("read", "orders", 50_000, 1.234)
'read orders: 50,000 rows (1.2s)'
>>> model_line(3, 45, "hub_order", "SELECT 99441", 0.4123, 12.06)
'3/45 hub_order SELECT 99441 (0.41s, 12.1s in all)'
"""

from __future__ import annotations

import time
from collections.abc import Callable


def rows_line(verb: str, name: str, rows: int, elapsed: float) -> str:
    """A file being read or written: rows so far, seconds since the command began."""
    return f"{verb} {name}: {rows:,} rows ({elapsed:.1f}s)"


def model_line(index: object, total: object, name: str, status: str, seconds: float, elapsed: float) -> str:
    """A finished dbt model: its place in the run, its result, its own time and the run's so far."""
    return f"{index}/{total} {name} {status} ({seconds:.2f}s, {elapsed:.1f}s in all)"


def row_reporter(verb: str, show: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic) -> Callable[[str, int], None]:
    """A progress callback for the loader and the generator: one line per report, timed from now."""
    started = clock()

    def report(name: str, rows: int) -> None:
        show(rows_line(verb, name, rows, clock() - started))

    return report
