"""A run's arithmetic, as one short digest: its model computed once on a fixed batch with fixed weights,
forward and backward, in the process that trains it (docs/reproducibility.md).

The same seed gives the same digits only where every kernel rounds the same way, and that is decided at run
time: oneDNN picks its kernels by the CPU's instruction set and blocks its work by the CPU's cache sizes,
TensorFlow's own matrix products call oneDNN's sgemm too, a GPU has kernels of its own. None of that is
in a record's names (`cpu_model` reads "AMD EPYC" on CPUs that round differently). So the run's own model
(its cell, form, units, semantics and loss, at its batch size) is built with weights and a batch that follow
from integers alone, and one step of the compiled training function that `fit` uses computes the loss and
every gradient; the digest of those bits is the run's arithmetic fingerprint.
Two processes with the same fingerprint ran the same kernels on the same numbers; two runs of one seed with
the same fingerprint are expected to end with the same digits, and with different ones they are compared
only over seeds (judge/comparison.py).

Nothing here changes a number of the run: it is computed after training, on models of its own.
"""

from __future__ import annotations

import hashlib

import keras
import numpy as np

from rnn_replication.core.spec import RunSpec
from rnn_replication.train import models

# Part of the digest: a change to what the probe computes gives other fingerprints, never equal ones that
# mean something else.
PROBE = "probe 1: one training step's loss and gradients, on integer-made weights and batch"
DIGEST_LENGTH = 12  # hex digits: 48 bits, plenty to tell a handful of arithmetics apart


class GradientsAsWeights(keras.optimizers.Optimizer):
    """An optimizer whose step replaces each weight by its gradient: after one ``train_on_batch`` the
    model's weights are the loss's gradients, computed by the same compiled training step as ``fit``'s."""

    def __init__(self):
        super().__init__(learning_rate=1.0, name="gradients_as_weights")

    def update_step(self, gradient, variable, learning_rate):
        self.assign(variable, gradient)


def integer_made(shape, salt: int) -> np.ndarray:
    """Values in [-1/8, 1/8) that integers alone decide (each a multiple of 2**-14, exact in float32):
    no random generator and no transcendental function, whose last bits may differ between machines."""
    count = int(np.prod(shape))
    integers = (np.arange(count, dtype=np.int64) * 2654435761 + salt * 40503 + 17) % 4096
    return ((integers - 2048) / 16384).astype(np.float32).reshape(shape)


def fixed_batch(spec: RunSpec) -> tuple[np.ndarray, np.ndarray]:
    """A batch of ``spec.batch_size`` images with pixel-like values in [0, 1) and one-hot labels."""
    count = spec.batch_size * models.TIME_STEPS * models.FEATURES
    pixels = (np.arange(count, dtype=np.int64) * 7919 % 256 / 256).astype(np.float32)
    labels = np.arange(spec.batch_size) * 7 % models.CLASSES
    one_hot = np.eye(models.CLASSES, dtype=np.float32)[labels]
    return pixels.reshape(spec.batch_size, models.TIME_STEPS, models.FEATURES), one_hot


def computed_bits(spec: RunSpec) -> list[np.ndarray]:
    """What the probe computes for ``spec``'s model: the loss and every gradient of one training step (the
    forward pass included), as float32 arrays."""
    model = models.build_model(spec.cell, spec.form, spec.units, spec.learning_rate, spec.semantics)
    model.set_weights([integer_made(weight.shape, salt) for salt, weight in enumerate(model.get_weights())])
    model.compile(optimizer=GradientsAsWeights(), loss=model.loss)
    loss = model.train_on_batch(*fixed_batch(spec))
    return [np.asarray(loss, np.float32).ravel(), *model.get_weights()]


def arithmetic_fingerprint(spec: RunSpec) -> str:
    """The arithmetic fingerprint of ``spec``'s model in this process (its backend, device and settings)."""
    digest = hashlib.sha256(PROBE.encode())
    for array in computed_bits(spec):
        digest.update(np.ascontiguousarray(array, np.float32).tobytes())
    return digest.hexdigest()[:DIGEST_LENGTH]
