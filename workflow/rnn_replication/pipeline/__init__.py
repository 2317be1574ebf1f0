"""Snakemake's side of the workflow: run selection and the plan of identities and variants, job order, the
config as typed, the conda environment's stamp, the terminal's training estimate, the variants on disk. No
step's code imports it (the train and timing jobs call workflow/scripts/progress.py after their work, outside
their code fingerprint)."""
