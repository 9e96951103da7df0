"""Synthetic Olist data in the exact Kaggle CSV format.

The real Olist files may not be shipped (CC BY-NC-SA), so dvkit can generate files of the same
shape: same eleven files, headers, quoting, line endings, referential integrity and measured
distributions (see ``profile.py``), at any scale, deterministically from a seed::

    from olist_example.synth import generate, generate_batches
    counts = generate(0.1, Path("data/olist"), seed=42)
    # or a snapshot in batch_000/ and change batches batch_001/ ... that give satellites history
    written = generate_batches(0.1, Path("data/olist"), seed=42, batches=3, change_rate=0.01)
"""

from .batches import generate_batches
from .olist import generate

__all__ = ["generate", "generate_batches"]
