import keras
import numpy as np
import pytest
from rnn_replication import models

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
        ({"cell": "lstm", "form": "single", "units": 0}, "units must be a positive integer"),
        ({"cell": "lstm", "form": "single", "semantics": "keras2"}, "unknown semantics 'keras2'"),
    ],
)
def test_bad_choices_are_refused_with_the_valid_ones(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        models.build_model(**kwargs)
