"""Profile a folder of CSV files and propose a Data Vault spec for them (``dvkit scaffold``).

``columns`` infers a column's type and counts its values; ``files`` reads one file into a profile
and finds its candidate keys; ``relations`` finds inclusion dependencies between files and the rate
at which columns change across batch folders; ``propose`` turns all of it into spec YAML.
"""
