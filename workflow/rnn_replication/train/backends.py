"""What differs between the Keras backends, in one place: the GPU a backend trains on, its TensorFloat-32
switch, and the TensorFlow-only threading and determinism settings. Each backend is imported only when
asked about, so a machine needs only the one it uses."""

from __future__ import annotations

import os

from rnn_replication.core import records

# jax_default_matmul_precision values that keep float32 matmuls in full float32 (no TF32).
JAX_FULL_FLOAT32 = ("highest", "float32", "F32_F32_F32")


class TensorFlow:
    def gpu_name(self) -> str | None:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return None
        return tf.config.experimental.get_device_details(gpus[0]).get("device_name", gpus[0].name)

    def configure(self, threads: int) -> bool:
        """``threads`` CPU threads (0: TensorFlow's choice); on a GPU, memory that grows instead of being
        taken at once (several notebooks can share one); on a CPU-only machine, deterministic ops (same
        seed, same machine, same numbers; Keras then turns XLA off, which it does on a CPU anyway).
        Returns whether op determinism was switched on."""
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        for gpu in gpus:
            tf.config.experimental.set_memory_growth(gpu, True)
        if threads:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)
        if not gpus:
            tf.config.experimental.enable_op_determinism()
        return not gpus

    def disable_tf32(self) -> None:
        import tensorflow as tf

        tf.config.experimental.enable_tensor_float_32_execution(False)

    def tf32_allowed(self) -> bool:
        import tensorflow as tf

        return bool(tf.config.experimental.tensor_float_32_execution_enabled())


class Jax:
    def gpu_name(self) -> str | None:
        import jax

        device = jax.devices()[0]
        return None if device.platform == "cpu" else device.device_kind

    def configure(self, threads: int) -> bool:
        """Nothing to set here: XLA_PYTHON_CLIENT_PREALLOCATE=false is set before JAX loads
        (devices.configure_environment)."""
        return False

    def disable_tf32(self) -> None:
        import jax

        jax.config.update("jax_default_matmul_precision", "highest")

    def tf32_allowed(self) -> bool:
        import jax

        return jax.config.jax_default_matmul_precision not in JAX_FULL_FLOAT32


class Torch:
    def gpu_name(self) -> str | None:
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None

    def configure(self, threads: int) -> bool:
        return False

    def disable_tf32(self) -> None:
        import torch

        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False

    def tf32_allowed(self) -> bool:
        import torch

        return bool(torch.backends.cuda.matmul.allow_tf32 or torch.backends.cudnn.allow_tf32)


BACKENDS = {"tensorflow": TensorFlow(), "jax": Jax(), "torch": Torch()}


def get(name: str):
    """The backend called ``name`` (runs.BACKENDS)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown Keras backend {name!r}; expected one of {', '.join(BACKENDS)}")
    return BACKENDS[name]


def describe_device(name: str) -> str:
    """The accelerator backend ``name`` trains on, or the CPU with its core count."""
    try:
        gpu = get(name).gpu_name()
    except Exception:  # noqa: BLE001 - a device we cannot name is still recorded as the CPU
        gpu = None
    return f"GPU: {gpu}" if gpu else f"CPU: {records.cpu_name()} ({os.cpu_count()} cores)"
