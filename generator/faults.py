"""Crash points: named places where the crash-safety tests make dvkit die as a power cut would.

A load or a build must survive being killed at any moment: the vault is then as it was before the
batch, or the next run finishes the work, and the result equals a run that was never interrupted
(``tests/integration/test_crash_safety.py`` proves it). To kill the process at an exact, repeatable
moment the tests set ``DVKIT_CRASH_AT`` to a point's name, optionally with ``#n`` for the n-th pass
(default the first); the process then sends itself SIGKILL there: no cleanup, no rollback, no
``finally`` block, open transactions left for the server to discard. Unset, a crash point costs one
comparison.

Points: ``copy:<source>`` (a batch's COPY into that landing table has started), ``batch-committed``
(a batch is committed and the next is not begun), ``model:<dbt model>`` (that model is built, the
next ones are not), ``raw-vault-built`` (dbt finished the raw vault; the build is not yet recorded).

>>> crash_point("copy:orders")  # DVKIT_CRASH_AT unset: nothing happens
"""

from __future__ import annotations

import os
import signal

_TARGET, _, _NTH = os.environ.get("DVKIT_CRASH_AT", "").partition("#")
_passes: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Die here, now, by SIGKILL, if ``DVKIT_CRASH_AT`` names this point (and this is its n-th pass)."""
    if not _TARGET or name != _TARGET:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] == int(_NTH or 1):
        os.kill(os.getpid(), signal.SIGKILL)
