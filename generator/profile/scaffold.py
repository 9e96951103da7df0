"""``dvkit scaffold``'s work: profile a data folder and write the proposed spec into a spec folder.

With ``batch_*`` folders (as ``dvkit synth --batches`` writes them) the first one is profiled and
all of them give the columns' change rates.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from generator.errors import DvkitError
from generator.profile.columns import DISTINCT_CAP
from generator.profile.files import csv_files, profile_file, spec_name
from generator.profile.propose import Proposal, propose, render, usable_file_name
from generator.profile.relations import batch_folders, change_rate, inclusions
from generator.scaffold import modeline

SPEC_FILE = "proposed.yml"
SETTINGS_FILE = "settings.yml"


def source_names(paths: list[Path]) -> list[str]:
    """Source names from file names, without ``.csv(.gz)``, a ``_dataset`` ending and a prefix most
    files share.

    >>> source_names([Path("shop_orders_dataset.csv"), Path("shop_items.csv.gz"), Path("x.csv")])
    ['orders', 'items', 'x']
    """
    stems = [spec_name(p.name.removesuffix(".gz").removesuffix(".csv")) for p in paths]
    stems = [s.removesuffix("_dataset") for s in stems]
    firsts = Counter(s.split("_")[0] + "_" for s in stems if "_" in s)
    prefix = ""
    if firsts:
        common, count = sorted(firsts.items(), key=lambda item: (-item[1], item[0]))[0]
        if count >= 2 and count * 2 >= len(stems):
            prefix = common
    names: list[str] = []
    for stem in stems:
        name = stem.removeprefix(prefix) if stem.startswith(prefix) and stem != prefix else stem
        name = spec_name(name)
        while name in names:
            name = f"{name}_2"
        names.append(name)
    return names


def _has_settings(spec_dir: Path) -> bool:
    """Whether a file of the spec folder already has a ``settings:`` section (a second one is an error)."""
    return any(line.startswith("settings:")
               for path in sorted(spec_dir.glob("*.y*ml"))
               for line in path.read_text(encoding="utf-8").splitlines())


@dataclass(frozen=True)
class Scaffolded:
    proposal: Proposal
    written: tuple[Path, ...]
    batches: int


def scaffold(data_dir: Path, out: Path, force: bool = False, cap: int = DISTINCT_CAP) -> Scaffolded:
    """Profile ``data_dir`` and write ``settings.yml`` (unless there is one) and ``proposed.yml`` into
    ``out``; refuses to overwrite ``proposed.yml`` without ``force``."""
    if not data_dir.is_dir():
        raise DvkitError(f"{data_dir}: no such folder", hint="give the folder holding the CSV files")
    batches = batch_folders(data_dir)
    first = batches[0] if batches else data_dir
    paths = [p for p in csv_files(first) if usable_file_name(p)]
    if not paths:
        raise DvkitError(f"{first}: no .csv or .csv.gz file to profile",
                         hint="file names may hold letters, digits, _ . - and must end in .csv or .csv.gz")
    target = out / SPEC_FILE
    if target.exists() and not force:
        raise DvkitError(f"{target} exists", hint="pass --force to overwrite it, or choose another --out")
    profiles = [profile_file(path, name, cap) for path, name in zip(paths, source_names(paths), strict=True)]
    rates = {p.name: change_rate(p, batches) for p in profiles} if len(batches) > 1 else {}
    proposal = propose(profiles, inclusions(profiles), rates)
    out.mkdir(parents=True, exist_ok=True)
    written = [target]
    # The editor schema line, as `dvkit init` writes it: the proposal is a new project's spec.
    target.write_text(render(proposal, modeline()), encoding="utf-8")
    settings = out / SETTINGS_FILE
    if not _has_settings(out):
        data = Path(os.path.relpath(first.resolve(), out.resolve().parent)).as_posix()
        settings.write_text(
            f"{modeline()}# Spec-wide options. data_dir: where `dvkit load` reads the files when given no folder.\n"
            f"settings:\n  hash: MD5\n  data_dir: {data}\n", encoding="utf-8")
        written.append(settings)
    return Scaffolded(proposal, tuple(written), len(batches))
