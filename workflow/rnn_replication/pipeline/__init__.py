"""Snakemake's side of the workflow: run selection, job order, code fingerprints, the config as typed, the
conda environment's stamp, the terminal's training estimate. No step's code imports it (the train and
timing jobs call workflow/scripts/progress.py after their work, outside their code fingerprint)."""
