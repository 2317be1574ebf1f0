"""GPU claiming: notebooks spread over GPUs through lock files, without needing a GPU to test it."""

import os
import signal
import subprocess
import sys

from rnn_replication.train import devices

CLAIMER = """
import sys
from rnn_replication.train import devices
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


def test_a_gpu_the_backend_does_not_use_is_reported():
    warning = devices.unused_gpu_warning("CPU: AMD EPYC (2 cores)", "tensorflow", gpu_count=1)
    assert warning.startswith("nvidia-smi sees 1 GPU, but the tensorflow backend trains on the CPU")
    assert "This run trained on the CPU" in warning
    assert devices.unused_gpu_warning("GPU: NVIDIA H100", "jax", gpu_count=1) is None
    assert devices.unused_gpu_warning("CPU: AMD EPYC (2 cores)", "jax", gpu_count=0) is None
