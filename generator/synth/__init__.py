"""Synthetic Olist data in the exact Kaggle CSV format.

The real Olist files may not be shipped (CC BY-NC-SA), so dvkit can generate files of the same
shape: same eleven files, headers, quoting, line endings, referential integrity and measured
distributions (see ``profile.py``), at any scale, deterministically from a seed::

    from generator.synth import generate
    counts = generate(0.1, Path("data/olist"), seed=42)
"""

from .olist import generate

__all__ = ["generate"]
