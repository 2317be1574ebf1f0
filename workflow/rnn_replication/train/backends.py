"""What differs between the Keras backends in the arithmetic of a run: threads, TensorFlow's op
determinism on a CPU, GPU memory growth, and TensorFloat-32 matmuls switched off under the article's
semantics. Each backend is imported only when asked about, so a machine needs only the one it uses.
(Describing the device a run used is observe.record's.)"""

from __future__ import annotations


class TensorFlow:
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


class Jax:
    def configure(self, threads: int) -> bool:
        """Nothing to set here: XLA_PYTHON_CLIENT_PREALLOCATE=false is set before JAX loads
        (observe.devices.configure_process)."""
        return False

    def disable_tf32(self) -> None:
        import jax

        jax.config.update("jax_default_matmul_precision", "highest")


class Torch:
    def configure(self, threads: int) -> bool:
        return False

    def disable_tf32(self) -> None:
        import torch

        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False


BACKENDS = {"tensorflow": TensorFlow(), "jax": Jax(), "torch": Torch()}


def get(name: str):
    """The backend called ``name`` (spec.BACKENDS)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown Keras backend {name!r}; expected one of {', '.join(BACKENDS)}")
    return BACKENDS[name]
