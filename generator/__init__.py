"""dvkit: a Data Vault 2.0 modeling toolkit.

The package is layered so that imports point one way:
``spec`` (YAML model and validation) -> ``render`` (dbt files) and ``load``/``db``/``build``
(runtime), with ``cli`` on top.
"""

__version__ = "0.1.0"
