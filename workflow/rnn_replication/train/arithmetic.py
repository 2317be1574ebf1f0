"""The process-wide settings that decide a run's arithmetic and must be made before Keras is first
imported: the backend, and oneDNN's instruction-set cap on the CPU (read when oneDNN starts). Keras-free.
"""

from __future__ import annotations

import os

CPU_ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA"


def choose(backend: str, cpu_isa: str = "") -> None:
    """Train on ``backend`` under the cap ``cpu_isa`` ("": oneDNN's own choice, whatever the environment
    says: a cap inherited from the shell would change the digits without being part of the run's
    identity)."""
    os.environ["KERAS_BACKEND"] = backend
    if cpu_isa:
        os.environ[CPU_ISA_VARIABLE] = cpu_isa
    else:
        os.environ.pop(CPU_ISA_VARIABLE, None)


def in_effect() -> dict[str, str]:
    """The backend Keras loaded and the cap this process runs under."""
    import keras

    return {"backend": keras.backend.backend(), "cpu_isa": os.environ.get(CPU_ISA_VARIABLE, "")}


def check(backend: str, cpu_isa: str) -> None:
    """Refuse to train under another backend or cap than the run asks for (set too late, or overridden
    by the environment): its numbers would not be the run's."""
    found = in_effect()
    for key, asked in (("backend", backend), ("cpu_isa", cpu_isa)):
        if found[key] != asked:
            raise RuntimeError(
                f"this process runs with {key} {found[key]!r} (KERAS_BACKEND, {CPU_ISA_VARIABLE}), but the "
                f"run asks for {asked!r}: train.arithmetic.choose must run before Keras is first imported"
            )
