"""GPU claiming: notebooks spread over GPUs through lock files, without needing a GPU to test it."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rnn_replication.observe import devices

CLAIMER = """
import sys
from rnn_replication.observe import devices
print(devices.claim_gpu({lock_dir!r}, gpu_count=2), flush=True)
sys.stdin.read()  # hold the claim until the test closes stdin (or kills us)
"""


def start_claimer(repo, lock_dir):
    env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    process = subprocess.Popen(
        [sys.executable, "-c", CLAIMER.format(lock_dir=str(lock_dir))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    return process, process.stdout.readline().strip()


def test_jobs_spread_over_gpus_first_and_a_killed_job_frees_its_gpu(repo, tmp_path):
    first, first_gpu = start_claimer(repo, tmp_path)
    second, second_gpu = start_claimer(repo, tmp_path)
    third, third_gpu = start_claimer(repo, tmp_path)
    assert (first_gpu, second_gpu, third_gpu) == ("0", "1", "0")  # each GPU gets one before any gets two
    first.send_signal(signal.SIGKILL)
    first.wait()
    fourth, fourth_gpu = start_claimer(repo, tmp_path)
    assert fourth_gpu == "0"  # slot 0 of GPU 0 was freed by the kill, so it is the least used again
    for process in (second, third, fourth):
        process.stdin.close()
        process.wait(timeout=30)


def test_no_gpu_or_a_preset_device_leaves_the_environment_alone(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    assert devices.claim_gpu(tmp_path, gpu_count=0) is None
    assert "CUDA_VISIBLE_DEVICES" not in os.environ
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")  # as SLURM sets it
    assert devices.claim_gpu(tmp_path, gpu_count=4) is None
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "3"


def fake_nvidia_smi(folder: Path, script: str) -> str:
    """A PATH whose first folder holds an `nvidia-smi` running ``script`` (sh)."""
    folder.mkdir(exist_ok=True)
    (folder / "nvidia-smi").write_text(f"#!/bin/sh\n{script}\n")
    (folder / "nvidia-smi").chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


ONE_GPU = 'echo "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-00000000-0000-0000-0000-000000000000)"'


def test_a_gpu_the_backend_cannot_use_gets_no_token_and_the_cause_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", fake_nvidia_smi(tmp_path / "bin", ONE_GPU))
    assert devices.count_gpus() == 1
    # This machine has the CPU builds and no CUDA driver: the build is named first.
    usable, reason = devices.usable_gpus("tensorflow")
    assert usable == 0
    assert reason == (
        "nvidia-smi sees 1 GPU, but the tensorflow backend cannot use it: its CUDA build is not installed "
        "(none of nvidia-cudnn-cu12)"
    )
    # With the CUDA build installed, the driver's own error is the cause.
    monkeypatch.setattr(devices, "cuda_build_problem", lambda backend: None)
    monkeypatch.setattr(
        devices, "cuda_driver_problem", lambda: "the CUDA driver cuInit failed: CUDA_ERROR_NO_DEVICE"
    )
    assert devices.usable_gpus("jax", gpu_count=2) == (
        0,
        "nvidia-smi sees 2 GPUs, but the jax backend cannot use them: the CUDA driver cuInit failed: "
        "CUDA_ERROR_NO_DEVICE",
    )
    warning = devices.unused_gpu_warning("CPU: AMD EPYC (2 cores)", "jax", gpu_count=1)
    assert warning.startswith("nvidia-smi sees 1 GPU, but the jax backend trains on the CPU: the CUDA driver")
    monkeypatch.setattr(devices, "cuda_driver_problem", lambda: None)
    assert devices.usable_gpus("jax", gpu_count=2) == (2, None)


def test_a_hanging_nvidia_smi_counts_no_gpu_after_its_time_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", fake_nvidia_smi(tmp_path / "bin", "sleep 60"))
    monkeypatch.setattr(devices, "NVIDIA_SMI_TIMEOUT_S", 0.5)
    assert devices.count_gpus() == 0


def test_the_driver_probe_names_what_failed_on_a_machine_without_one():
    if Path("/proc/driver/nvidia").exists():
        pytest.skip("an NVIDIA driver is installed here")
    assert devices.cuda_driver_problem().startswith("the CUDA driver libcuda.so.1 cannot be loaded")


@pytest.mark.workflow  # runs snakemake
def test_training_jobs_take_no_gpu_token_where_the_backend_cannot_use_the_gpu(repo, tmp_path):
    """The CPU build with a (fake) GPU: jobs hold gpu_jobs=0, and the terminal says why once."""
    env = os.environ | {"PATH": fake_nvidia_smi(tmp_path / "bin", ONE_GPU)}
    snakemake = str(Path(sys.executable).parent / "snakemake")
    result = subprocess.run(
        [snakemake, "-n", "--forceall", "--cores", "2", "--config", "cells=[lstm]", "seeds=[0]"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    output = result.stdout + result.stderr
    assert output.count("but the tensorflow backend cannot use it: its CUDA build is not installed") == 1
    train_jobs = output.split("rule train:")[1:]
    assert train_jobs and all("gpu_jobs=0" in job.split("rule ")[0] for job in train_jobs)
    assert devices.unused_gpu_warning("GPU: NVIDIA H100", "jax", gpu_count=1) is None
    assert devices.unused_gpu_warning("CPU: AMD EPYC (2 cores)", "jax", gpu_count=0) is None


def test_native_start_up_noise_is_left_out_of_standard_error_and_a_last_traceback_still_arrives():
    program = (
        "import os\n"
        "from rnn_replication.observe import devices\n"
        "devices.filter_native_stderr(devices.TENSORFLOW_NOISE)\n"
        "os.write(2, b'I0000 cpu_feature_guard.cc:227] This TensorFlow binary is optimized\\n')\n"
        "os.write(2, b'a real warning\\n')\n"
        "raise RuntimeError('the last words')\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "cpu_feature_guard" not in result.stderr
    assert result.stderr.startswith("a real warning\n")
    assert result.stderr.rstrip().endswith("RuntimeError: the last words")
