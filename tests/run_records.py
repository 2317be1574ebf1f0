"""Synthetic run records, as the training notebook writes them, for tests of collect, judge and report."""

import json

import numpy as np
import pandas as pd

from rnn_replication.core import confusion, identity, records
from rnn_replication.core.spec import RunSpec, cpu_isa_cap

VARIANT = "0123abcdef"  # the folder the synthetic runs are kept in (results/runs/<variant>/<run>)
CODE = {"workflow/rnn_replication/train/models.py": "0123456789abcdef"}
VERSIONS = {"keras": "3.15.1", "numpy": "2.4.6", "tensorflow": "2.21.0"}


def run_identity(spec: RunSpec) -> dict:
    """The identity a synthetic run's record holds (core.identity)."""
    return identity.of_run(spec, "tensorflow", cpu_isa_cap(spec.semantics, "AVX2"), CODE, VERSIONS, "abc")


def write_run(root, cell, form, seed, accuracy, seconds=2.0, semantics="article"):
    """A finished run's folder under ``root``/VARIANT: metrics.json (the fields a real record has),
    history.csv (two epochs) and confusion.csv (1,000 test images per digit); returns the metrics.json
    path."""
    spec = RunSpec(cell, form, semantics, seed, epochs=2)
    run_dir = root / VARIANT / spec.name
    run_dir.mkdir(parents=True)
    metrics = {
        "cell": cell,
        "form": form,
        "semantics": semantics,
        "seed": seed,
        "epochs": 2,
        "train_images": 60000,
        "test_images": 10000,
        "test_accuracy": accuracy,
        "test_loss": 0.05,
        "best_val_accuracy": accuracy,
        "total_params": 81674,
        "recurrent_params": 80384,
        "dense_params": 1290,
        "seconds_per_epoch": seconds,
        "first_epoch_seconds": 9.0,
        "train_seconds": 11.0,
        "checkpoint_seconds": 0.1,
        "backend": "tensorflow",
        "device": "CPU: test",
        "data_sha256": "abc",
        "cpu_model": "test",
        "cpu_isa": "AVX2",
        "cpu_isa_in_effect": "AVX2",
        "arithmetic": "0123456789ab",
        "deterministic_ops": True,
        "tf32": False,
        "git_commit": None,
        "git_dirty": False,
        "versions": records.package_versions(),
        "packages": {},
        "config": spec.settings(),
        "identity": run_identity(spec),
    }
    (run_dir / "metrics.json").write_text(json.dumps(metrics))
    pd.DataFrame(
        {
            "epoch": [1, 2],
            "loss": [0.5, 0.1],
            "accuracy": [0.8, 0.97],
            "val_loss": [0.2, 0.05],
            "val_accuracy": [0.9, accuracy],
            "seconds": [9.0, seconds],
        }
    ).to_csv(run_dir / "history.csv", index=False)
    confusion.write(run_dir / "confusion.csv", confusion_with_accuracy(accuracy))
    return str(run_dir / "metrics.json")


def confusion_with_accuracy(accuracy, images=10000):
    """1,000 test images per digit; the errors: two thirds 4 read as 9, the rest 7 read as 2."""
    matrix = np.diag([images // 10] * 10)
    errors = images - round(accuracy * images)
    for (true, predicted), count in (((4, 9), errors - errors // 3), ((7, 2), errors // 3)):
        matrix[true, true] -= count
        matrix[true, predicted] += count
    return matrix
