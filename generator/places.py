"""Where each layer of the vault lives, named once: the database's schemas and the project's dbt folders.

>>> LANDING, RAW_VAULT, DBT_PROJECT
('landing', 'raw_vault', 'dbt_vault')
"""

# Schemas of the database.
LANDING = "landing"  # every delivered row of every batch (`dvkit load`)
STAGING = "staging"  # dbt views over landing: the batches a build reads
RAW_VAULT = "raw_vault"  # hubs, links and satellites
BUSINESS_VAULT = "business_vault"  # PITs, bridges and computed satellites
MARTS = "marts"  # dimensions and facts for analysts
DVKIT = "dvkit"  # dvkit's own records: builds, table definitions, the erasure log

# dbt projects of a dvkit project (folders beside vault_spec/).
DBT_PROJECT = "dbt_vault"  # staging and the raw vault, generated from the spec
BUSINESS_PROJECT = "business_vault"  # the business vault and marts
