"""rnn_replication: the package the workflow's rules and notebooks call, one folder per pipeline step.

    fetch_mnist -> train (and timing) -> collect -> judge -> report -> bundle

- ``core``: what every step shares: what a run is (``spec``), its identity and variant (``identity``), its
  files (``runs``), code fingerprints, the run records' formats (``records``, ``confusion``), the article
  (``paper``), provenance, history plots.
- ``data``: MNIST: ``fetch`` gets and verifies it (the fetch_mnist rule only); ``mnist`` loads it.
- ``train``: what computes a run's numbers: the models, the training loop and evaluation, the backends'
  arithmetic settings. It imports nothing that logs or records.
- ``observe``: what a training job does around the numbers: epoch lines, history, TensorBoard, the run
  record, the lock, GPUs, the launcher.
- ``timing``: the timing pass's measurement.
- ``collect``: every run's record checked and gathered into results/summary.csv, confusion.csv and
  provenance.csv.
- ``judge``: the statistics (``inference``) and the verdicts on the article's numbers (``numbers``) and
  claims (``claims``), written to results/replication.csv.
- ``report``: what the report reads (``inputs``), its words, tables, figures and error analysis.
- ``pipeline``: Snakemake's side: which runs a config selects and their identities, job order, the config
  as typed, variants on disk, the terminal's estimate. No step's code imports it (the estimate's script
  runs after a job's work).

A step's code fingerprint covers the modules that decide its numbers and what they import
(``core.fingerprint``): editing a module reruns exactly the steps whose code imports it, so keep each
step's code in its own folder, and code that only observes out of the computing ones.
"""
