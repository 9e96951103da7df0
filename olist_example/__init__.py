"""The Olist example: everything of dvkit that knows Brazil's Olist e-commerce data.

- ``olist_example.synth``: synthetic Olist files in Kaggle's exact format (``dvkit synth``);
- ``olist_example.report``: the analyst's report on the Olist marts, with a matplotlib chart
  (``dvkit report``);
- ``olist_example.commands``: ``dvkit synth``, ``dvkit report`` and ``dvkit demo``, which join the
  ``dvkit`` command line as plugins (entry points of group ``dvkit.commands``).

The toolkit (``generator``) never imports this package. matplotlib, which only the chart needs,
comes with the ``olist`` extra: ``pip install -e '.[olist]'``.
"""
