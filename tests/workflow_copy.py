"""Helpers for tests that run the real Snakemake DAG in a temporary copy of the workflow."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from rnn_replication.pipeline import selection


def snakemake_command(*arguments: str) -> tuple[list[str], dict]:
    bin_dir = Path(sys.executable).parent
    env = os.environ | {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return [str(bin_dir / "snakemake"), *arguments], env


def snakemake(workdir: Path, *arguments: str, timeout: int = 1500) -> subprocess.CompletedProcess:
    command, env = snakemake_command(*arguments)
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)


def copy_workflow(repo: Path, workdir: Path, mnist_npz, **overrides) -> Path:
    """A copy of the workflow in ``workdir`` with config/test.yaml = config/small.yaml + ``overrides``, an
    overlay on the copy's config/config.yaml."""
    for name in selection.WORKFLOW_FILES:
        source = repo / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, workdir / name)
    config = yaml.safe_load((repo / "config" / "small.yaml").read_text())
    config["data"] = {"local_path": str(mnist_npz)}
    config.update(overrides)
    (workdir / "config" / "test.yaml").write_text(yaml.safe_dump(config))
    return workdir
