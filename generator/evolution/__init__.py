"""The vault follows the spec: what each raw vault table was built from, and what a changed spec asks of it."""
