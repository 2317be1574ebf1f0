import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from rnn_replication.train import models

# (total, recurrent) parameters with the article's Keras 2.2 semantics, Dense(10) included in total.
EXPECTED_PARAMS = {
    ("simplernn", "single"): (21386, 20096),
    ("lstm", "single"): (81674, 80384),
    ("gru", "single"): (61578, 60288),
    ("simplernn", "stacked"): (54282, 52992),
    ("lstm", "stacked"): (213258, 211968),
    ("gru", "stacked"): (160266, 158976),
    ("simplernn", "bidirectional"): (42762, 40192),
    ("lstm", "bidirectional"): (163338, 160768),
    ("gru", "bidirectional"): (123146, 120576),
}


@pytest.mark.parametrize(("cell", "form"), list(EXPECTED_PARAMS))
def test_parameter_counts_of_all_nine_configurations(cell, form):
    counts = models.parameter_counts(models.build_model(cell, form))
    total, recurrent = EXPECTED_PARAMS[cell, form]
    assert counts["total_params"] == total
    assert counts["recurrent_params"] == recurrent
    assert counts["dense_params"] == total - recurrent


def test_every_form_of_the_grid_has_its_layers_and_the_defaults_are_the_run_specifications():
    from rnn_replication.core.spec import FORMS, RunSpec

    assert list(models.FORM_LAYERS) == list(FORMS)
    model = models.build_model("lstm")
    assert model.name == f"lstm_{RunSpec.form}" and model.get_layer("lstm").units == RunSpec.units
    assert model.optimizer.learning_rate.numpy() == pytest.approx(RunSpec.learning_rate)


def test_article_single_layer_counts_match_the_article_summary():
    # The article's model.summary(): 20,096 / 80,384 / 60,288 recurrent, 1,290 for Dense(10).
    for cell, recurrent in (("simplernn", 20096), ("lstm", 80384), ("gru", 60288)):
        counts = models.parameter_counts(models.build_model(cell, "single"))
        assert counts == {
            "total_params": recurrent + 1290,
            "recurrent_params": recurrent,
            "dense_params": 1290,
        }


def test_modern_gru_uses_reset_after_and_has_more_parameters():
    counts = models.parameter_counts(models.build_model("gru", "single", semantics="modern"))
    assert counts["recurrent_params"] == 60672


def test_hard_sigmoid_is_keras_2_2s_slope_0_2():
    x = np.array([-3.0, -2.5, -1.0, 0.0, 1.0, 2.5, 3.0], dtype="float32")
    got = keras.ops.convert_to_numpy(models.hard_sigmoid_keras22(x))
    np.testing.assert_allclose(got, [0.0, 0.0, 0.3, 0.5, 0.7, 1.0, 1.0], atol=1e-6)


def test_article_semantics_are_applied_to_every_recurrent_layer():
    for form in models.FORMS:
        model = models.build_model("gru", form)
        layers = [layer for layer in model.layers if models.is_recurrent(layer)]
        for layer in layers:
            inner = getattr(layer, "forward_layer", layer)
            cells = [inner.cell] + ([layer.backward_layer.cell] if hasattr(layer, "backward_layer") else [])
            for cell in cells:
                assert cell.recurrent_activation is models.hard_sigmoid_keras22
                assert cell.reset_after is False
            assert inner.unroll is True


def test_modern_semantics_use_keras_3_defaults():
    layer = models.build_model("lstm", "single", semantics="modern").layers[0]
    assert layer.unroll is False
    assert layer.cell.recurrent_activation is keras.activations.sigmoid


def test_model_outputs_probabilities_for_row_sequences():
    model = models.build_model("lstm", "bidirectional", units=8)
    out = keras.ops.convert_to_numpy(model(np.zeros((3, 28, 28), dtype="float32")))
    assert out.shape == (3, 10)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cell": "rnn", "form": "single"}, "unknown cell 'rnn'; expected one of simplernn, lstm, gru"),
        (
            {"cell": "lstm", "form": "deep"},
            "unknown form 'deep'; expected one of single, stacked, bidirectional",
        ),
        ({"cell": "lstm", "form": "single", "semantics": "keras2"}, "unknown semantics 'keras2'"),
    ],
)
def test_bad_choices_are_refused_with_the_valid_ones(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        models.build_model(**kwargs)


# Softmax-like rows and the class each one's one-hot target picks, for the Keras 2.2 loss.
LOSS_CASES = {
    "ordinary": ([0.7, 0.2, 0.1], 0),
    "not normalised": ([2.0, 1.0, 1.0], 1),  # divided by its sum: 0.25
    "other class clipped": ([0.5, 0.5, 1e-9], 0),
    "target below epsilon": ([1.0, 5e-8, 0.0], 1),  # clipped up to 1e-7: no gradient
    "target above 1 - epsilon": ([1.0, 1e-9, 0.0], 0),  # clipped down to 1 - 1e-7: no gradient
    # At the ends of [1e-7, 1 - 1e-7] (float32) the gradient passes, as in TensorFlow's clip_by_value.
    "target at epsilon": ([1e-7, 1 - 2**-23, 0.0], 0),
    "target at 1 - epsilon": ([1 - 2**-23, 2**-23, 0.0], 0),
}
CLIPPED_TARGETS = [3, 4]


def numpy_keras22_loss(y_true, y_pred):
    """Keras 2.2's cross-entropy and its gradient with respect to y_pred, in float32 NumPy."""
    epsilon = np.float32(1e-7)
    total = y_pred.sum(axis=-1, keepdims=True)
    q = y_pred / total
    clipped = np.clip(q, epsilon, 1 - epsilon)
    loss = -(y_true * np.log(clipped)).sum(axis=-1)
    d_q = np.where((q >= epsilon) & (q <= 1 - epsilon), -y_true / clipped, 0)  # clip passes no gradient
    gradient = d_q / total - (d_q * y_pred).sum(axis=-1, keepdims=True) / total**2  # through q = p / sum(p)
    return loss, gradient


def keras22_loss_and_gradient(y_true, y_pred):
    """The per-sample loss and its gradient with respect to y_pred, on the active Keras backend."""
    loss_fn = models.categorical_crossentropy_keras22
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        y_pred = tf.constant(y_pred)
        with tf.GradientTape() as tape:
            tape.watch(y_pred)
            loss = loss_fn(y_true, y_pred)
        gradient = tape.gradient(loss, y_pred)  # of the sum; each row depends on its own y_pred only
    elif backend == "jax":
        import jax

        loss, vjp = jax.vjp(lambda p: loss_fn(y_true, p), y_pred)
        (gradient,) = vjp(np.ones_like(loss))
    else:
        y_pred = keras.ops.convert_to_tensor(y_pred).requires_grad_()
        loss = loss_fn(y_true, y_pred)
        loss.sum().backward()
        gradient = y_pred.grad
    return keras.ops.convert_to_numpy(loss), keras.ops.convert_to_numpy(gradient)


def check_keras22_loss_against_numpy():
    y_pred = np.array([row for row, _ in LOSS_CASES.values()], dtype="float32")
    y_true = np.eye(3, dtype="float32")[[target for _, target in LOSS_CASES.values()]]
    loss, gradient = keras22_loss_and_gradient(y_true, y_pred)
    expected_loss, expected_gradient = numpy_keras22_loss(y_true, y_pred)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-6)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(loss[CLIPPED_TARGETS], [-np.log(1e-7), 1.1920929e-07], rtol=1e-6)
    assert np.all(gradient[CLIPPED_TARGETS] == 0)


def test_keras22_loss_and_gradient_match_numpy_on_tensorflow():
    assert keras.backend.backend() == "tensorflow"
    check_keras22_loss_against_numpy()


OTHER_BACKEND_CHECK = """
import sys
try:
    import {backend}
except ImportError as error:
    print(error)
    sys.exit(77)
import keras
import test_models
assert keras.backend.backend() == {backend!r}
test_models.check_keras22_loss_against_numpy()
test_models.check_saturated_article_model()
"""


@pytest.mark.workflow  # a subprocess per backend
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_keras22_loss_matches_numpy_on_other_backends(backend, repo):
    result = subprocess.run(
        [sys.executable, "-c", OTHER_BACKEND_CHECK.format(backend=backend)],
        # This file's directory on the path, so the subprocess can import the checks from it.
        env=os.environ | {"KERAS_BACKEND": backend, "PYTHONPATH": str(Path(__file__).parent)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode == 77:
        pytest.skip(f"{backend} cannot be imported: {result.stdout.strip()}")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")  # never trained: no state
def test_article_models_compile_with_keras22_loss_and_modern_ones_do_not(tmp_path):
    article = models.build_model("simplernn", units=4)
    assert article.loss is models.categorical_crossentropy_keras22
    assert models.build_model("simplernn", units=4, semantics="modern").loss == "categorical_crossentropy"
    article.save(tmp_path / "article.keras")  # the registered loss comes back with a saved model
    assert keras.saving.load_model(tmp_path / "article.keras").loss is models.categorical_crossentropy_keras22


# A saturated softmax: the logits are the dense layer's bias (zero kernel), 100 for class 0 and 50 for
# class 9, so the probabilities are 1 for class 0, about 2e-22 for class 9 and 0 for the others.
SATURATED_LOGITS = np.array([100, 0, 0, 0, 0, 0, 0, 0, 0, 50], dtype="float32")
SATURATED_X = np.zeros((2, 28, 28), dtype="float32")
SATURATED_Y = np.eye(10, dtype="float32")[[0, 9]]
SATURATED_PROBABILITIES = np.exp(SATURATED_LOGITS - 100) / np.exp(SATURATED_LOGITS - 100).sum()


def saturated_model(semantics):
    model = models.build_model("simplernn", units=4, semantics=semantics)
    dense = model.get_layer("dense")
    dense.set_weights([np.zeros_like(dense.get_weights()[0]), SATURATED_LOGITS])
    return model


def saturated_losses(model):
    """(evaluate, compute_loss) on the saturated batch."""
    evaluated, _ = model.evaluate(SATURATED_X, SATURATED_Y, batch_size=2, verbose=0)
    computed = model.compute_loss(SATURATED_X, SATURATED_Y, model(SATURATED_X))
    return evaluated, float(keras.ops.convert_to_numpy(computed))


def check_saturated_article_model():
    """The article model's loss is the mean of Keras 2.2's clipped per-sample losses."""
    probabilities = np.stack([SATURATED_PROBABILITIES] * 2)
    assert probabilities[0, 0] == 1 and 0 < probabilities[1, 9] < 1e-7  # both targets are clipped
    expected = numpy_keras22_loss(SATURATED_Y, probabilities)[0].mean()  # (1.2e-7 + 16.1) / 2
    for loss in saturated_losses(saturated_model("article")):
        assert loss == pytest.approx(expected, rel=1e-6)
    return expected


def test_article_loss_on_a_saturated_softmax_is_keras22s_and_keras3s_differs():
    output = keras.ops.convert_to_numpy(saturated_model("article")(SATURATED_X))
    np.testing.assert_allclose(output, [SATURATED_PROBABILITIES] * 2, rtol=1e-6, atol=1e-30)
    expected = check_saturated_article_model()
    # Keras 3 on TensorFlow takes the logits behind the softmax: (0 + (100 - 50)) / 2 = 25.
    from_logits = (np.log(np.exp(SATURATED_LOGITS - 100).sum()) + 100 - SATURATED_LOGITS[[0, 9]]).mean()
    assert from_logits == pytest.approx(25.0) and abs(from_logits - expected) > 15
    for loss in saturated_losses(saturated_model("modern")):
        assert loss == pytest.approx(from_logits, rel=1e-6)


def test_clipped_probabilities_give_the_article_model_no_gradient():
    import tensorflow as tf

    def gradients(model):
        with tf.GradientTape() as tape:
            loss = model.compute_loss(SATURATED_X, SATURATED_Y, model(SATURATED_X, training=True))
        return [keras.ops.convert_to_numpy(g) for g in tape.gradient(loss, model.trainable_variables)]

    assert all(np.all(g == 0) for g in gradients(saturated_model("article")))
    assert any(np.any(g != 0) for g in gradients(saturated_model("modern")))
