"""``python -m generator.cli``: the ``dvkit`` command."""

from generator.cli import main

if __name__ == "__main__":
    main()
