"""``dvkit init``'s work: write a new project that validates, generates and builds as it stands.

A new project holds a one-entity example spec (one source, one hub, one satellite), a sample file
of that source, the hand-written parts of both dbt projects and a README and Makefile with the next
commands. The dbt projects' hand-written files (profiles, macros, dvkit's own AutomateDV) are
copied from the dvkit installation, which ``template_root`` finds: the copy an installed package
carries (``generator/project_template/``, see ``generator.project_files``), else the folders
``dbt_vault/`` and ``business_vault/`` beside the ``generator`` package (a checkout or an editable
install).

>>> planned_files()[:2]
('vault_spec/settings.yml', 'vault_spec/example.yml')
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from generator.errors import DvkitError
from generator.places import BUSINESS_PROJECT, DBT_PROJECT
from generator.project_files import BUSINESS_STATIC, PACKAGED, RAW_STATIC, template_files

PACKAGE = Path(__file__).resolve().parent
SCHEMA = Path(__file__).parent / "spec" / "schema.json"
SAMPLE_DIR = "data"
SAMPLE_FILE = "customers.csv"
# Files a folder may already have for reasons of its own (a git repository's): kept, never a conflict.
KEPT = (".gitignore", "Makefile", "README.md")

SETTINGS = """\
{modeline}#
# Spec-wide options (rendered into dbt_vault/dbt_project.yml's vars).
settings:
  hash: MD5
  # Where `dvkit load` reads the source files when given no folder (relative to this project).
  data_dir: {data_dir}
  # Names of tables, keys, hashdiffs and schemas: AutomateDV's usual ones (hub_, link_, sat_..., _hk,
  # _hashdiff, raw_vault, staging) unless set here, e.g.
  # naming: {{prefixes: {{hubs: h_, links: l_, satellites: s_}}, hash_key_suffix: _hkey}}
"""

EXAMPLE = """\
{modeline}#
# A one-entity example: a source file of customers, the customer hub and one satellite.
# Every section may live in any file of vault_spec/; the shipped Olist spec keeps one file per section.

# Sources: the files as they arrive. `columns` lists every column of the file, in file order,
# with its landing type; `dvkit load` refuses a file whose header differs.
sources:
  - name: customers
    description: One row per customer, as the shop's export delivers it.
    file: {sample_file}
    columns:
      customer_id: text
      customer_name: text
      city: text
      signed_up_on: date

# Hubs: one row per business key, ever. The hub key is the hash of the upper-cased, trimmed key.
hubs:
  - name: customer
    description: A person who buys.
    business_key: customer_id
    sources:
      - source: customers

# Satellites: descriptive attributes with history. A new row is stored only when the payload's
# hashdiff changes.
satellites:
  - name: customer_details
    description: The customer's name, city and sign-up date.
    parent: customer
    source: customers
    payload: [customer_name, city, signed_up_on]
"""

SAMPLE = """\
customer_id,customer_name,city,signed_up_on
C001,Ana Souza,Sao Paulo,2024-01-15
C002,Bruno Lima,Rio de Janeiro,2024-02-03
C003,Carla Dias,Belo Horizonte,2024-02-20
"""

GITIGNORE = """\
# dvkit's embedded database and state.
.dvkit/
# dbt's output, logs and installed packages.
dbt_vault/target/
dbt_vault/logs/
dbt_vault/dbt_packages/
business_vault/target/
business_vault/logs/
business_vault/dbt_packages/
.user.yml
"""

MAKEFILE = """\
# The usual round of a dvkit project: check the spec, render the dbt models, land the files, build.
# DVKIT names the command when it is not on PATH: make all DVKIT=path/to/.venv/bin/dvkit
DVKIT ?= dvkit

.PHONY: validate generate load build all

validate:
\t$(DVKIT) validate

generate: validate
\t$(DVKIT) generate

load:
\t$(DVKIT) load {data_dir}

build: generate
\t$(DVKIT) build

all: generate load build
"""

README = """\
# A dvkit project

Made by `dvkit init`. The model is in `vault_spec/` (YAML); `dbt_vault/` and `business_vault/` are
the dbt projects it is built with: their models are generated, their macros and profiles are copied.

```sh
dvkit validate          # check the spec
dvkit generate          # render the dbt models from it
dvkit load {data_dir}           # land the files of {data_dir}/ as one batch (embedded PostgreSQL)
dvkit build             # build the vault with dbt
```

`make all` runs them in order. Edit `vault_spec/example.yml`, or add files beside it, and run
`dvkit generate` again.
"""


@dataclass(frozen=True)
class Created:
    """What ``init`` wrote: the project folder and its files, relative to it, in writing order, and the
    folder's own files it left as they were (``KEPT``)."""

    root: Path
    files: tuple[str, ...]
    kept: tuple[str, ...] = ()


def modeline() -> str:
    """The yaml-language-server line that points editors at the installed spec schema.

    An absolute file URI, since a new project lies outside the dvkit installation.

    >>> modeline().startswith("# yaml-language-server: $schema=file://")
    True
    """
    return f"# yaml-language-server: $schema={SCHEMA.resolve().as_uri()}\n"


def template_root(root: Path | None = None) -> Path:
    """The folder holding the dbt projects' hand-written files: ``root`` when given, else the installed
    package's copy when it has one, else the folder above the ``generator`` package (a checkout); a
    DvkitError naming the first missing file when it lacks one."""
    if root is None:
        packaged = PACKAGE / PACKAGED
        root = packaged if (packaged / DBT_PROJECT).is_dir() else PACKAGE.parent
    missing = [f"{DBT_PROJECT}/{name}" for name in RAW_STATIC if not (root / DBT_PROJECT / name).exists()]
    missing += [f"{BUSINESS_PROJECT}/{name}" for name in BUSINESS_STATIC
                if not (root / BUSINESS_PROJECT / name).exists()]
    if missing:
        raise DvkitError(f"this dvkit installation lacks {missing[0]} (looked in {root})",
                         hint="reinstall dvkit (pip install .), or install it from its source folder "
                              "(pip install -e .)")
    return root


def _static_files(root: Path) -> list[str]:
    """The copied files, relative to the project: every file under the hand-written parts."""
    return template_files(root)


def _texts() -> dict[str, str]:
    """The written (not copied) files of a new project, by path relative to it."""
    line = modeline()
    return {
        "vault_spec/settings.yml": SETTINGS.format(modeline=line, data_dir=SAMPLE_DIR),
        "vault_spec/example.yml": EXAMPLE.format(modeline=line, sample_file=SAMPLE_FILE),
        f"{SAMPLE_DIR}/{SAMPLE_FILE}": SAMPLE,
        ".gitignore": GITIGNORE,
        "Makefile": MAKEFILE.format(data_dir=SAMPLE_DIR),
        "README.md": README.format(data_dir=SAMPLE_DIR),
    }


def planned_files(root: Path | None = None) -> tuple[str, ...]:
    """Every file ``init`` writes, relative to the project: the written ones, then the copied ones."""
    copied = _static_files(root) if root is not None else []
    return (*_texts(), *copied)


def init(target: Path, force: bool = False) -> Created:
    """Write a new project into ``target`` (created if missing).

    Refuses, before writing anything, when a file of the project it would write (spec, sample data,
    dbt projects) already exists, unless ``force`` (which overwrites those files and leaves every other
    file alone); a ``vault_spec/`` folder with files in it is refused too, since they would mix with the
    example's. The folder's own ``.gitignore``, ``Makefile`` and ``README.md`` are kept as they are.
    """
    root = template_root()
    if target.resolve() == root:
        raise DvkitError(f"{target} is the dvkit installation's own folder", hint="name another folder")
    kept = tuple(name for name in KEPT if (target / name).exists())
    files = tuple(name for name in planned_files(root) if name not in kept)
    if not force:
        existing = [name for name in files if (target / name).exists()]
        if not existing and (target / "vault_spec").is_dir() and any((target / "vault_spec").iterdir()):
            existing = [f"vault_spec/{sorted(p.name for p in (target / 'vault_spec').iterdir())[0]}"]
        if existing:
            more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
            raise DvkitError(f"{target / existing[0]} already exists{more}: not overwriting a project",
                             hint="pick an empty or new folder, or pass --force to overwrite the files dvkit init "
                                  "writes")
    texts = _texts()
    for name in files:
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name in texts:
            path.write_text(texts[name], encoding="utf-8")
        else:
            shutil.copyfile(root / name, path)
    return Created(target, files, kept)
