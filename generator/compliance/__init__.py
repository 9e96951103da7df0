"""Tools for compliance reviewers: trace a key's history, column lineage, erasure of personal data,
and a read-only reviewer role. They read the vault; only erasure writes, and it logs what it did."""
