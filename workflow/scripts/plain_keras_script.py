"""The article's experiment as a plain Keras 3 script: no workflow, no notebook, no module of ours.

The yardstick the benchmark (workflow/scripts/benchmark_speed.py) measures the workflow against. It is the
article's program with Keras 2.2 semantics restored (hard sigmoid of slope 0.2, GRU reset_after=False,
unroll=True), plus one callback that times each epoch.

Usage: KERAS_BACKEND=tensorflow python workflow/scripts/plain_keras_script.py MNIST.npz CELL EPOCHS [OUT.json]
"""

import json
import sys
import time

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="plain_script")
def hard_sigmoid(x):
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


class EpochTimes(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.started)
        print(
            f"epoch {epoch + 1}: {self.seconds[-1]:.2f} s, val_accuracy {logs['val_accuracy']:.4f}",
            flush=True,
        )


def main(npz_path: str, cell: str, epochs: int, out: str | None) -> None:
    with np.load(npz_path) as mnist:
        x_train = mnist["x_train"].reshape(-1, 28, 28).astype("float32") / 255.0
        x_test = mnist["x_test"].reshape(-1, 28, 28).astype("float32") / 255.0
        y_train = keras.utils.to_categorical(mnist["y_train"], 10)
        y_test = keras.utils.to_categorical(mnist["y_test"], 10)

    options = {"unroll": True}
    if cell != "simplernn":
        options["recurrent_activation"] = hard_sigmoid
    if cell == "gru":
        options["reset_after"] = False
    layer = {"simplernn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            layer(128, **options),
            keras.layers.Dense(10),
            keras.layers.Activation("softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.001), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    times = EpochTimes()
    model.fit(
        x_train,
        y_train,
        batch_size=128,
        epochs=epochs,
        verbose=0,
        validation_data=(x_test, y_test),
        callbacks=[times],
    )
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    result = {"cell": cell, "epoch_seconds": times.seconds, "test_accuracy": accuracy, "test_loss": loss}
    print(json.dumps(result))
    if out:
        with open(out, "w") as handle:
            json.dump(result, handle)


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) == 5 else None)
