"""The naming convention of a vault: the prefix of each kind's tables, the suffixes of hash keys and
hashdiffs, and the schemas of staging and the raw vault.

Its defaults are AutomateDV's usual names, which dvkit used before a team could choose its own
(``settings: naming:`` in the spec). Every name of a raw vault table, hash key or hashdiff is made
here; the spec's entities carry the convention (``generator/spec/model.py``), so the renderer and
every tool read the names off them and never rebuild them.

>>> naming = Naming()
>>> naming.table("hubs", "order"), naming.key("order"), naming.hashdiff("order_state")
('hub_order', 'order_hk', 'order_state_hashdiff')
>>> custom = Naming(prefixes=(("hubs", "h_"),), hash_key_suffix="_hkey", raw_vault_schema="rv")
>>> custom.table("hubs", "order"), custom.table("links", "order_customer"), custom.key("order")
('h_order', 'link_order_customer', 'order_hkey')
>>> custom.raw_vault_schema, custom.is_default, naming.is_default
('rv', False, True)
"""

from __future__ import annotations

from dataclasses import dataclass

# The prefix of each raw vault kind's tables, by the spec's section of the kind (generator/kinds/).
DEFAULT_PREFIXES: dict[str, str] = {
    "hubs": "hub_",
    "links": "link_",
    "satellites": "sat_",
    "multi_active_satellites": "ma_sat_",
    "effectivity_satellites": "eff_sat_",
    "tracking_satellites": "xts_",
    "reference_tables": "ref_",
    "non_historised_links": "nh_link_",
    "status_tracking_satellites": "sts_",
}
DEFAULT_HASH_KEY_SUFFIX = "_hk"
DEFAULT_HASHDIFF_SUFFIX = "_hashdiff"
DEFAULT_RAW_VAULT_SCHEMA = "raw_vault"
DEFAULT_STAGING_SCHEMA = "staging"


@dataclass(frozen=True)
class Naming:
    """A naming convention; any prefix it does not list is the default one."""

    prefixes: tuple[tuple[str, str], ...] = ()  # (section, prefix) for the kinds named otherwise
    hash_key_suffix: str = DEFAULT_HASH_KEY_SUFFIX
    hashdiff_suffix: str = DEFAULT_HASHDIFF_SUFFIX
    raw_vault_schema: str = DEFAULT_RAW_VAULT_SCHEMA
    staging_schema: str = DEFAULT_STAGING_SCHEMA

    def prefix(self, section: str) -> str:
        """The prefix of the tables of a raw vault kind, by its spec section ("hubs")."""
        return dict(self.prefixes).get(section, DEFAULT_PREFIXES[section])

    def table(self, section: str, name: str) -> str:
        """The table of entity ``name`` of a raw vault kind."""
        return f"{self.prefix(section)}{name}"

    def key(self, name: str) -> str:
        """The hash key column of hub or link ``name``."""
        return f"{name}{self.hash_key_suffix}"

    def hashdiff(self, name: str) -> str:
        """The hashdiff column of (multi-active) satellite ``name``."""
        return f"{name}{self.hashdiff_suffix}"

    def all_prefixes(self) -> dict[str, str]:
        """Every kind's prefix, by section, in the order of ``DEFAULT_PREFIXES``."""
        return {section: self.prefix(section) for section in DEFAULT_PREFIXES}

    @property
    def is_default(self) -> bool:
        """Whether every name is AutomateDV's usual one."""
        return self.all_prefixes() == DEFAULT_PREFIXES and self == Naming(prefixes=self.prefixes)


DEFAULT_NAMING = Naming()
