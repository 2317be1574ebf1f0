"""The run specification: the grid axes, a run's settings, name and files, defined once."""

import re
from pathlib import Path

import pytest
import yaml

from rnn_replication.core import runs, spec
from rnn_replication.core.spec import RunSpec
from rnn_replication.pipeline import selection


def test_a_run_is_named_by_its_configuration():
    run = RunSpec("lstm", "bidirectional", "modern", 7, units=64, epochs=3)
    assert run.name == "lstm-bidirectional-modern-seed7"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"epochs": "20"}, "epochs must be a positive integer, got '20' (str)"),
        ({"epochs": 0}, "epochs must be a positive integer, got 0"),
        ({"units": 2.5}, "units must be a positive integer, got 2.5 (float)"),
        ({"units": True}, "units must be a positive integer, got True (bool)"),
        ({"train_subset": -1}, "train_subset must be a non-negative integer (0 = all)"),
        ({"seed": -1}, "seed must be a non-negative integer, got -1"),
        ({"learning_rate": "0.001"}, "learning_rate must be a positive finite number"),
        ({"learning_rate": float("nan")}, "learning_rate must be a positive finite number, got nan (float)"),
        ({"learning_rate": float("inf")}, "learning_rate must be a positive finite number, got inf (float)"),
        ({"cell": "Lstm"}, "unknown cell 'Lstm'; expected one of simplernn, lstm, gru"),
        ({"form": "deep"}, "unknown form 'deep'; expected one of single, stacked, bidirectional"),
        ({"semantics": "keras2"}, "unknown semantics 'keras2'; expected one of article, modern"),
    ],
)
def test_a_bad_setting_is_refused_naming_it_and_what_is_expected(bad, message):
    with pytest.raises(ValueError) as error:
        RunSpec(**({"cell": "lstm"} | bad))
    assert message in str(error.value)


def test_a_runs_files_follow_from_its_name_under_its_variant():
    paths = runs.RunPaths.of(RunSpec("gru", "stacked", seed=2).name, "0123abcdef")
    assert paths.metrics == "results/runs/0123abcdef/gru-stacked-article-seed2/metrics.json"
    assert paths.history == "results/runs/0123abcdef/gru-stacked-article-seed2/history.csv"
    assert paths.notebook == "results/runs/0123abcdef/gru-stacked-article-seed2/train.ipynb"
    assert paths.resume == "results/resume/0123abcdef/gru-stacked-article-seed2"
    assert paths.lock == "results/resume/0123abcdef/gru-stacked-article-seed2.lock"
    assert paths.log == "logs/train/0123abcdef/gru-stacked-article-seed2.log"
    assert paths.benchmark == "benchmarks/train/0123abcdef/gru-stacked-article-seed2.tsv"
    assert paths.tensorboard == "logs/tensorboard/0123abcdef/gru-stacked-article-seed2"
    pattern = "results/runs/{variant}/{cell}-{form}-{semantics}-seed{seed}/metrics.json"
    assert runs.RunPaths.pattern().metrics == pattern


def test_wildcard_constraints_match_exactly_the_grid_and_a_variant():
    for axis, values in (("cell", spec.CELLS), ("form", spec.FORMS), ("semantics", spec.SEMANTICS)):
        pattern = re.compile(runs.WILDCARD_CONSTRAINTS[axis])
        assert all(pattern.fullmatch(value) for value in values)
        assert not pattern.fullmatch("transformer")
    variant = re.compile(runs.WILDCARD_CONSTRAINTS["variant"])
    assert variant.fullmatch("0123abcdef") and not variant.fullmatch("lstm-single-article-seed0")


def test_settings_are_every_field_and_the_hyperparameters_the_config_gives_all_runs():
    settings = RunSpec("simplernn").settings()
    assert list(settings) == list(spec.FIELDS)
    assert set(spec.HYPERPARAMETERS) == set(spec.FIELDS) - set(spec.NAME_FIELDS)
    assert RunSpec.from_parameters(settings | {"backend": "jax", "unrelated": 1}) == RunSpec("simplernn")


def test_the_default_config_selects_five_seeds_of_the_articles_runs_and_one_of_the_others(repo):
    config = runs.default_config(repo)
    selected = selection.selected_runs(config)
    single = [run for run in selected if run.form == "single"]
    assert len(single) == 3 * 5 and {run.seed for run in single} == {0, 1, 2, 3, 4}
    assert len(selected) == 15 + 6 and all(run.semantics == "article" for run in selected)
    compared = selection.selected_runs(config | {"compare_semantics": True})
    assert len(compared) == 21 + 15  # the single-layer cells under Keras 3 semantics too, once each
    assert len({run.name for run in compared}) == len(compared)


def test_the_notebooks_parameters_are_the_run_specs_fields_with_the_same_defaults(repo):
    import papermill

    parameters = papermill.inspect_notebook(str(repo / "notebooks" / "train.ipynb"))
    defaults = RunSpec("lstm").settings()  # the notebook's default cell is lstm
    for name in spec.FIELDS:
        assert name in parameters, name
        assert yaml.safe_load(parameters[name]["default"]) == defaults[name], name


def test_the_repository_root_is_found_from_any_folder_below_it(repo):
    assert runs.repository_root(repo / "notebooks") == repo
    assert runs.repository_root(repo) == repo
    with pytest.raises(FileNotFoundError, match="no repository root"):
        runs.repository_root(Path("/"))


def test_a_misspelled_notebook_parameter_is_refused_naming_the_nearest_valid_one():
    namespace = RunSpec("lstm").settings() | {"backend": "tensorflow", "In": [], "_": None, "epoch": 1}
    with pytest.raises(ValueError, match="unknown notebook parameter 'epoch'; did you mean 'epochs'?"):
        runs.check_notebook_parameters(namespace)
    del namespace["epoch"]
    runs.check_notebook_parameters(namespace | {"re": re})  # modules imported by the notebook are fine


def test_the_notebook_has_exactly_the_run_fields_and_its_settings_as_parameters(repo):
    import papermill

    parameters = papermill.inspect_notebook(str(repo / "notebooks" / "train.ipynb"))
    assert set(parameters) == set(spec.FIELDS) | set(runs.NOTEBOOK_SETTINGS)
