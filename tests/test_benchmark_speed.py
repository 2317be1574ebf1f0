"""The speed benchmark: it really runs both sides and writes a table; the GPU sampler reads nvidia-smi."""

import json
import os
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.workflow


@pytest.fixture
def benchmark_module(repo, monkeypatch):
    monkeypatch.syspath_prepend(str(repo / "workflow" / "scripts"))
    import benchmark_speed

    return benchmark_speed


def test_benchmark_times_the_plain_script_and_the_workflow_notebook(repo, mnist_npz, tmp_path):
    out = tmp_path / "speed"
    result = subprocess.run(
        [sys.executable, "workflow/scripts/benchmark_speed.py", "--cells", "simplernn"]
        + ["--epochs", "2", "--repeats", "1", "--data", str(mnist_npz), "--out", str(out)],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    raw = json.loads((out / "speed-tensorflow.json").read_text())
    (row,) = raw["rows"]
    assert row["cell"] == "SimpleRNN" and raw["epochs"] == 2
    for side in ("plain", "workflow"):
        # Both sides trained the full data set for real: seconds, not zeros.
        assert 0.1 < row[f"{side}_s_per_epoch"] < row[f"{side}_process_wall"]
    table = (out / "speed-tensorflow.md").read_text()
    ratio = row["workflow_s_per_epoch"] / row["plain_s_per_epoch"]
    assert f"| SimpleRNN | {row['plain_s_per_epoch']:.2f}" in table and f"| {ratio:.2f}x |" in table
    assert "resume checkpoint" in table  # the workflow side is timed as the DAG runs it


def test_gpu_sampler_summarises_nvidia_smi(benchmark_module, tmp_path, monkeypatch):
    # A stand-in nvidia-smi that prints its CSV lines as the real one does with -l: busy, idle, busy, ...
    fake = tmp_path / "bin" / "nvidia-smi"
    fake.parent.mkdir()
    fake.write_text(
        '#!/bin/sh\ni=0\nwhile true; do echo "0, $(( (i % 2) * 90 )), $(( 500 + i ))"; '
        "i=$((i+1)); sleep 0.05; done\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    sampler = benchmark_module.GpuSampler(tmp_path / "gpu.csv")
    time.sleep(1)
    summary = sampler.stop()
    samples = summary["gpu_samples"]
    assert samples >= 4
    assert summary["gpu_busy_fraction"] == pytest.approx(0.5, abs=0.5 / samples + 0.01)
    assert summary["gpu_memory_max_mib"] == 500 + samples - 1


def test_gpu_sampler_records_nothing_without_nvidia_smi(benchmark_module, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert benchmark_module.GpuSampler(tmp_path / "gpu.csv").stop() == {}
