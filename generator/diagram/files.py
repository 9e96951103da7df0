"""The diagram in a chosen format, as text or bytes, and the files ``dvkit docs`` writes beside dbt's site.

>>> fmt_for(None, "model.svg"), fmt_for(None, "model.md"), fmt_for("png", None)
('svg', 'mermaid', 'png')
"""

from __future__ import annotations

from pathlib import Path

from generator.diagram.mermaid import markdown, mermaid
from generator.spec.model import Spec

FORMATS = ("mermaid", "svg", "png")
SUFFIXES = {".svg": "svg", ".png": "png"}
# What `dvkit docs` writes beside the raw vault's documentation site: the picture and its Mermaid text.
DOCS_FILES = ("diagram.svg", "diagram.mmd")


def fmt_for(fmt: str | None, out_name: str | None) -> str:
    """The format asked for, else the one the output file's suffix names, else Mermaid."""
    if fmt is not None:
        return fmt
    return SUFFIXES.get(Path(out_name).suffix.lower(), "mermaid") if out_name else "mermaid"


def render(spec: Spec, fmt: str, out_name: str | None = None) -> str | bytes:
    """The diagram in one of ``FORMATS``; Mermaid into a ``.md`` file comes in a fenced block."""
    if fmt == "svg":
        from generator.diagram.svg import svg

        return svg(spec)
    if fmt == "png":
        from generator.diagram.png import png

        return png(spec)
    if fmt != "mermaid":
        raise ValueError(f"unknown diagram format {fmt!r}: one of {', '.join(FORMATS)}")
    return markdown(spec) if out_name and Path(out_name).suffix.lower() == ".md" else mermaid(spec)


def write(path: Path, content: str | bytes) -> None:
    """Write text as UTF-8 with ``\\n`` line ends (the same bytes on every system), or bytes as they are."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode("utf-8"))


def write_docs_files(spec: Spec, folder: Path) -> list[Path]:
    """Write ``diagram.svg`` and ``diagram.mmd`` into ``folder`` (created if missing); their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fmt in zip(DOCS_FILES, ("svg", "mermaid"), strict=True):
        write(folder / name, render(spec, fmt))
        written.append(folder / name)
    return written
