"""The raw vault drawn as an entity diagram: Mermaid text for pull requests, SVG and PNG pictures.

``graph`` reads the tables and their joins from the spec (through ``generator.kinds``), ``layout``
places them as boxes on a plane, and each renderer writes one format: ``mermaid`` (text that Mermaid
lays out itself), ``svg`` (our own XML, no dependency) and ``png`` (matplotlib, optional).
"""

from __future__ import annotations

from generator.diagram.files import FORMATS
from generator.diagram.graph import HUB, LINK, REFERENCE, SATELLITE, Node, graph, role
from generator.diagram.mermaid import markdown, mermaid

__all__ = ["FORMATS", "HUB", "LINK", "REFERENCE", "SATELLITE", "Node", "graph", "markdown", "mermaid", "role"]
