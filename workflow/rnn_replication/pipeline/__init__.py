"""Snakemake's side of the workflow: run selection, job order, code fingerprints. No job imports it."""
