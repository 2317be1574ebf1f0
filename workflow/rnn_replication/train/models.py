"""The article's models: rows as time steps, one recurrent part, Dense(10), softmax."""

from __future__ import annotations

import keras

from rnn_replication.core.spec import CELLS, FORMS, SEMANTICS, RunSpec, check_choice

TIME_STEPS, FEATURES, CLASSES = 28, 28, 10
EPSILON = 1e-7  # Keras 2.2's default fuzz factor, used by its cross-entropy


@keras.saving.register_keras_serializable(package="rnn_replication")
def hard_sigmoid_keras22(x):
    """Keras 2.2's hard_sigmoid: clip(0.2 * x + 0.5, 0, 1). Keras 3's has slope 1/6.

    A named, registered function (not a lambda) so Bidirectional can clone the layer from its config.
    """
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


@keras.saving.register_keras_serializable(package="rnn_replication")
def categorical_crossentropy_keras22(y_true, y_pred):
    """Keras 2.2's categorical cross-entropy, computed on the softmax output.

    Keras 2.2 normalised the probabilities, clipped them to [1e-7, 1 - 1e-7] (no gradient where
    clipped) and took the log. Keras 3 on TensorFlow finds the logits behind a softmax output
    (``_keras_logits``) and uses them instead: the same value for ordinary outputs, a different
    value and gradient for saturated ones. Written with ``keras.ops`` only, it never looks for logits
    and runs on every backend. One loss per sample; ``compile`` averages them over the batch.
    """
    y_pred = keras.ops.convert_to_tensor(y_pred)
    y_true = keras.ops.cast(y_true, y_pred.dtype)
    y_pred = y_pred / keras.ops.sum(y_pred, axis=-1, keepdims=True)
    # Clip as TensorFlow's clip_by_value did: the gradient passes up to and including the bounds
    # (keras.ops.clip on JAX halves it there).
    low, high = EPSILON, 1.0 - EPSILON
    y_pred = keras.ops.where(y_pred < low, low, keras.ops.where(y_pred > high, high, y_pred))
    return -keras.ops.sum(y_true * keras.ops.log(y_pred), axis=-1)


def recurrent_layer_options(cell: str, semantics: str) -> dict:
    """Keyword arguments that pick Keras 2.2 (``article``) or Keras 3 (``modern``) behaviour."""
    if semantics == "modern":
        return {"unroll": False}
    options = {"unroll": True}
    if cell in ("lstm", "gru"):
        options["recurrent_activation"] = hard_sigmoid_keras22
    if cell == "gru":
        options["reset_after"] = False
    return options


# The recurrent part of each form (spec.FORMS; a test checks that every form has one): single = the
# article's one layer, stacked = two layers (the first returns sequences), bidirectional = the layer
# wrapped, both directions' outputs concatenated.
FORM_LAYERS = {
    "single": lambda layer, cell, units, options: [layer(units, name=cell, **options)],
    "stacked": lambda layer, cell, units, options: [
        layer(units, return_sequences=True, name=f"{cell}_1", **options),
        layer(units, name=f"{cell}_2", **options),
    ],
    "bidirectional": lambda layer, cell, units, options: [
        keras.layers.Bidirectional(layer(units, **options), merge_mode="concat", name=f"bidirectional_{cell}")
    ],
}


def build_model(
    cell: str,
    form: str = RunSpec.form,
    units: int = RunSpec.units,
    learning_rate: float = RunSpec.learning_rate,
    semantics: str = RunSpec.semantics,
) -> keras.Model:
    """Build and compile one configuration (cell x form) of the article's experiment (the defaults are
    the run specification's)."""
    check_choice("cell", cell, CELLS)
    check_choice("form", form, FORMS)
    check_choice("semantics", semantics, SEMANTICS)
    layer_class = getattr(keras.layers, CELLS[cell])
    options = recurrent_layer_options(cell, semantics)

    layers = [
        keras.Input(shape=(TIME_STEPS, FEATURES)),
        *FORM_LAYERS[form](layer_class, cell, units, options),
    ]
    layers += [keras.layers.Dense(CLASSES, name="dense"), keras.layers.Activation("softmax")]
    model = keras.Sequential(layers, name=f"{cell}_{form}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=categorical_crossentropy_keras22 if semantics == "article" else "categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def is_recurrent(layer) -> bool:
    return isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional))


def parameter_counts(model: keras.Model) -> dict[str, int]:
    """Total, recurrent and dense parameter counts, as in the article's model.summary()."""
    recurrent = sum(layer.count_params() for layer in model.layers if is_recurrent(layer))
    total = model.count_params()
    return {"total_params": total, "recurrent_params": recurrent, "dense_params": total - recurrent}
