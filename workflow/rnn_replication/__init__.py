"""rnn_replication: the package the workflow's rules and notebooks call, one folder per pipeline step.

    fetch_mnist -> train (and timing) -> collect -> judge -> report -> bundle

- ``core``: what every step shares: the run specification, grid axes and file layout (``runs``), the
  run records' formats (``records``, ``confusion``), the article (``paper``), provenance, history plots.
- ``data``: MNIST: ``fetch`` gets and verifies it (the fetch_mnist rule only); ``mnist`` loads it.
- ``train``: the models, training one run, the timing pass, devices (the only folder that imports Keras).
- ``collect``: every run's record checked and gathered into results/summary.csv and confusion.csv.
- ``judge``: the statistics (``inference``) and the verdicts on the article's numbers and claims
  (``replication``), written to results/replication.csv.
- ``report``: what the report reads (``inputs``), its words, tables, figures and error analysis.
- ``pipeline``: Snakemake's side: which runs a config selects, job order, each step's code fingerprint.
  No job imports it.

A step's code fingerprint covers the modules it imports (``pipeline.fingerprint``): editing a module
reruns exactly the steps whose code imports it, so keep each step's code in its own folder.
"""
