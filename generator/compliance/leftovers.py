"""Files dvkit wrote that name an erased key: trace dossiers under ``.dvkit/``.

``dvkit trace --format html`` writes ``.dvkit/trace-ENTITY-KEY.html`` by default: a dossier of the
key's history, with its business key and personal values. After an erasure, every dossier
(``trace-*``) under ``.dvkit/`` whose name or text names an erased business key is removed; any
other file directly in ``.dvkit/`` that names one is reported, not deleted (it is not a dossier: its
owner decides). Subfolders other than dossiers' are not read (the database, generated data sets).
A dossier written elsewhere (``--out``) is its owner's to delete.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

DVKIT_FOLDER = ".dvkit"
SKIPPED = {"pgdata"}  # the embedded server's files: the database, handled by the erasure itself
LARGEST = 50_000_000  # bytes: a dossier is far smaller; larger files are not dvkit's reports


def _safe(key: str) -> str:
    """A key as a dossier's file name spells it (``generator.cli.trace.default_html_path``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", key).strip("._")


def remove_dossiers(project_dir: Path, keys: Iterable[str]) -> tuple[list[Path], list[Path]]:
    """Remove the dossiers under ``.dvkit/`` that name one of ``keys`` (compared case-insensitively);
    returns them, and the other files there that name one.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()); (root / ".dvkit").mkdir()
    >>> _ = (root / ".dvkit" / "trace-customer-ab12cd.html").write_text("x")
    >>> _ = (root / ".dvkit" / "trace-order-o1.html").write_text("<td>AB12CD</td>")
    >>> _ = (root / ".dvkit" / "trace-order-o2.html").write_text("nothing")
    >>> _ = (root / ".dvkit" / "export.csv").write_text("ab12cd,1")
    >>> removed, kept = remove_dossiers(root, ["ab12cd"])
    >>> [p.name for p in removed], [p.name for p in kept]
    (['trace-customer-ab12cd.html', 'trace-order-o1.html'], ['export.csv'])
    """
    needles = sorted({k.strip().lower() for k in keys if len(k.strip()) >= 4})  # too short: matches by chance
    folder = project_dir / DVKIT_FOLDER
    if not needles or not folder.is_dir():
        return [], []
    names = {_safe(k).lower() for k in needles} | set(needles)
    removed, kept = [], []
    candidates = {*folder.rglob("trace-*"), *folder.iterdir()}
    for path in sorted(candidates):
        if not path.is_file() or path.relative_to(folder).parts[0] in SKIPPED:
            continue
        if any(name in path.name.lower() for name in names) or _names_key(path, needles):
            if path.name.startswith("trace-"):
                path.unlink()
                removed.append(path)
            else:
                kept.append(path)
    return removed, kept


def _names_key(path: Path, needles: list[str]) -> bool:
    if path.stat().st_size > LARGEST:
        return False
    text = path.read_bytes().decode("utf-8", "replace").lower()
    return any(needle in text for needle in needles)
