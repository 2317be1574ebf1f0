"""The article's models: rows as time steps, one recurrent part, Dense(10), softmax."""

from __future__ import annotations

import keras

from . import CELLS, FORMS, SEMANTICS

TIME_STEPS, FEATURES, CLASSES = 28, 28, 10


@keras.saving.register_keras_serializable(package="rnn_replication")
def hard_sigmoid_keras22(x):
    """Keras 2.2's hard_sigmoid: clip(0.2 * x + 0.5, 0, 1). Keras 3's has slope 1/6.

    A named, registered function (not a lambda) so Bidirectional can clone the layer from its config.
    """
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def check_choice(name: str, value: str, valid) -> None:
    if value not in valid:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(valid)}")


def recurrent_layer_options(cell: str, semantics: str) -> dict:
    """Keyword arguments that pick Keras 2.2 (``article``) or Keras 3 (``modern``) behaviour."""
    check_choice("cell", cell, CELLS)
    check_choice("semantics", semantics, SEMANTICS)
    if semantics == "modern":
        return {"unroll": False}
    options = {"unroll": True}
    if cell in ("lstm", "gru"):
        options["recurrent_activation"] = hard_sigmoid_keras22
    if cell == "gru":
        options["reset_after"] = False
    return options


def build_model(
    cell: str,
    form: str = "single",
    units: int = 128,
    learning_rate: float = 0.001,
    semantics: str = "article",
) -> keras.Model:
    """Build and compile one configuration (cell x form) of the article's experiment."""
    check_choice("cell", cell, CELLS)
    check_choice("form", form, FORMS)
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"units must be a positive integer, got {units!r}")
    layer_class = getattr(keras.layers, CELLS[cell])
    options = recurrent_layer_options(cell, semantics)

    layers = [keras.Input(shape=(TIME_STEPS, FEATURES))]
    if form == "single":
        layers.append(layer_class(units, name=cell, **options))
    elif form == "stacked":
        layers.append(layer_class(units, return_sequences=True, name=f"{cell}_1", **options))
        layers.append(layer_class(units, name=f"{cell}_2", **options))
    else:
        layers.append(
            keras.layers.Bidirectional(
                layer_class(units, **options), merge_mode="concat", name=f"bidirectional_{cell}"
            )
        )
    layers += [keras.layers.Dense(CLASSES, name="dense"), keras.layers.Activation("softmax")]
    model = keras.Sequential(layers, name=f"{cell}_{form}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="categorical_crossentropy",
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
