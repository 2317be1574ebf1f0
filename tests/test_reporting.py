import ast
import json
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from run_records import confusion_with_accuracy, write_run

from rnn_replication.collect import gather, provenance
from rnn_replication.core import confusion, identity, paper, records
from rnn_replication.core.spec import RunSpec
from rnn_replication.report import comparisons, environment, figures, grids, header, mistakes, verdicts
from rnn_replication.report import inputs as report_inputs

matplotlib.use("Agg")


@pytest.fixture
def runs(tmp_path):
    paths = [
        write_run(tmp_path, "gru", "stacked", 0, 0.985),
        write_run(tmp_path, "lstm", "single", 1, 0.9877),
        write_run(tmp_path, "lstm", "single", 0, 0.9857),
        write_run(tmp_path, "simplernn", "single", 0, 0.9700),
    ]
    return paths


def test_collect_sorts_runs_by_cell_form_seed_and_points_to_their_records(runs, tmp_path):
    summary = gather.write_tables(runs, tmp_path / "summary.csv", tmp_path / "confusion.csv")
    assert summary["run"].tolist() == [
        "simplernn-single-article-seed0",
        "lstm-single-article-seed0",
        "lstm-single-article-seed1",
        "gru-stacked-article-seed0",
    ]
    assert pd.read_csv(tmp_path / "summary.csv")["run"].tolist() == summary["run"].tolist()
    assert summary["notebook_path"].iloc[0].endswith("simplernn-single-article-seed0/train.ipynb")


def test_collect_refuses_a_run_made_as_another_run_naming_run_key_values_and_the_fix(runs, tmp_path):
    identities = {Path(path).parent.name: json.loads(Path(path).read_text())["identity"] for path in runs}
    assert len(gather.collect_runs(runs, identity.plan(list(identities.values())))) == 4
    victim = "lstm-single-article-seed1"
    victim_path = next(path for path in runs if Path(path).parent.name == victim)

    def refusal(**changed) -> str:
        expected = identities | {victim: identities[victim] | changed}
        with pytest.raises(gather.RunRecordError) as refused:
            gather.collect_runs(runs, identity.plan(list(expected.values())))
        return str(refused.value)

    message = refusal(epochs=20)
    assert f"run {victim} was made with epochs 2, but this config's run has epochs 20" in message
    assert message.endswith(f"retrain it with: snakemake --cores 4 --forcerun {victim_path}")
    assert "made with cpu_isa 'AVX2', but this config's run has cpu_isa ''" in refusal(cpu_isa="")
    assert "made with backend 'tensorflow', but this config's run has backend 'jax'" in refusal(backend="jax")
    code = {"workflow/rnn_replication/train/models.py": "fedcba9876543210"}
    assert "made with code workflow/rnn_replication/train/models.py '0123456789abcdef', but" in refusal(
        code=code
    )
    versions = identities[victim]["versions"] | {"tensorflow": "2.22.0"}
    assert "made with tensorflow version '2.21.0', but this config's run has tensorflow version '2.22.0'" in (
        refusal(versions=versions)
    )


def test_collect_sums_confusion_counts_over_the_seeds_of_each_configuration(runs, tmp_path):
    gather.write_tables(runs, tmp_path / "summary.csv", tmp_path / "confusion.csv")
    table = pd.read_csv(tmp_path / "confusion.csv")
    assert list(table.columns) == confusion.LONG_COLUMNS
    assert len(table) == 3 * 100  # simplernn single, lstm single, gru stacked: 10 x 10 each
    lstm = mistakes.matrix_of(table, "lstm")
    assert lstm.sum() == 20000 and lstm.trace() == 9857 + 9877  # two seeds
    assert lstm[4, 9] == (143 - 143 // 3) + (123 - 123 // 3)
    top = mistakes.most_confused(table, top=2)
    assert top[["cell", "true", "predicted"]].values.tolist()[:2] == [
        ["simplernn", 4, 9],
        ["simplernn", 7, 2],
    ]
    first = top.iloc[0]
    assert first["count"] == 200 and first["share"] == pytest.approx(200 / 1000)
    assert top.groupby("cell", sort=False).size().to_dict() == {"simplernn": 2, "lstm": 2, "gru": 2}


def test_confusion_table_and_figure_show_each_configurations_errors(runs, tmp_path):
    gather.write_tables(runs, tmp_path / "summary.csv", tmp_path / "confusion.csv")
    counts = pd.read_csv(tmp_path / "confusion.csv")
    table = mistakes.confusion_table(counts, "article", top=2).set_index("cell")
    pairs = "most confused (true → predicted: images over the runs)"
    assert list(table.index) == ["SimpleRNN", "LSTM", "GRU"]
    assert table.loc["SimpleRNN", "test images wrong per run"] == "300 of 10,000"  # one run: a whole count
    assert table.loc["SimpleRNN", pairs] == "4 → 9: 200, 7 → 2: 100"
    assert (
        table.loc["LSTM", "runs"] == 2 and table.loc["LSTM", "test images wrong per run"] == "133 of 10,000"
    )
    assert mistakes.confusion_table(counts, "modern").empty  # no run under the other semantics
    figure = figures.plot_confusion(counts, "article")
    assert [axis.get_title() for axis in figure.axes] == [
        "SimpleRNN: 3.00% wrong (1 run)",
        "LSTM: 1.33% wrong (2 runs)",
    ]
    shown = figure.axes[0].images[0].get_array()
    assert shown[4, 9] == 200 and shown[4, 4] == 0  # errors only: the diagonal is blank
    assert {text.get_text() for text in figure.axes[0].texts} == {"200", "100"}


def test_a_confusion_file_that_does_not_add_up_stops_collect_naming_it(runs, tmp_path):
    victim = Path(runs[1]).parent / "confusion.csv"
    one_image_short = confusion_with_accuracy(0.9877)
    one_image_short[0, 0] -= 1
    confusion.write(victim, one_image_short)
    with pytest.raises(
        gather.RunRecordError, match=r"confusion.csv: counts add up to 9999, the run tested 10000"
    ):
        gather.write_tables(runs, tmp_path / "summary.csv", tmp_path / "confusion.csv")
    assert not (tmp_path / "summary.csv").exists()  # nothing half-written
    victim.write_text("true,0,1\n0,5,5\n")
    with pytest.raises(
        gather.RunRecordError, match=r"expected columns true, 0, 1, .* found columns true, 0, 1 and 1 rows"
    ):
        gather.collect_confusion(gather.collect_runs(runs))


def test_article_costs_set_parameters_and_speed_beside_the_articles(runs, repo):
    summary = gather.collect_runs(runs)
    article, _ = paper.load_article(repo / "paper")
    table = comparisons.article_costs(summary, article).set_index("cell")
    assert list(table.index) == ["SimpleRNN", "LSTM"]  # no single-layer GRU run here
    assert table.loc["SimpleRNN", "recurrent params, article"] == "20,096"
    assert table.loc["LSTM", "recurrent params, ours"] == "80,384"
    assert table.loc["LSTM", "s/epoch, article (hardware not named)"] == "7.98"
    assert table.loc["LSTM", "s/epoch, ours (CPU: test, cores shared)"] == "2.00"


def test_grid_table_is_cell_by_form(runs):
    summary = gather.collect_runs(runs)
    grid = grids.grid_table(summary, "test_accuracy")
    assert list(grid.index) == ["SimpleRNN", "LSTM", "GRU"]
    assert list(grid.columns) == ["single", "stacked"]
    assert grid.loc["GRU", "stacked"] == pytest.approx(0.985)
    assert pd.isna(grid.loc["GRU", "single"])


def test_the_history_grid_has_a_panel_per_configuration(runs):
    summary = gather.collect_runs(runs)
    histories = records.read_histories(summary)
    grid = figures.plot_history_grid(summary, histories, "loss")
    assert len(grid.axes) == 3 * 2


def test_semantics_figure_has_a_panel_per_cell_run_under_both_semantics(runs, tmp_path):
    runs = runs + [
        write_run(tmp_path, "lstm", "single", 0, 0.9890, semantics="modern"),
        write_run(tmp_path, "lstm", "single", 1, 0.9895, semantics="modern"),
    ]
    summary = gather.collect_runs(runs)
    figure = figures.plot_semantics(summary, records.read_histories(summary))
    assert len(figure.axes) == 1  # only LSTM has runs of both semantics
    assert [line.get_label() for line in figure.axes[0].lines] == [
        "ours, Keras 2.2 semantics (2 seeds)",
        "ours, Keras 3 semantics (2 seeds)",
    ]


def test_benchmarks_are_read_into_one_table(tmp_path):
    (tmp_path / "lstm-single-article-seed0.tsv").write_text(
        "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
        "12.5\t0:00:12\t900.1\t2000\t800\t850\t0\t1\t150\t20\n"
    )
    table = report_inputs.read_benchmarks([str(tmp_path / "lstm-single-article-seed0.tsv")])
    assert table.loc[0, "job"] == "lstm-single-article-seed0" and table.loc[0, "s"] == 12.5


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda run: (run / "metrics.json").write_text('{"cell": "gru", '),
            "metrics.json: not a readable JSON",
        ),
        (
            lambda run: (run / "metrics.json").write_text(json.dumps({"cell": "gru"})),
            "metrics.json: missing form, semantics, seed",
        ),
        (lambda run: (run / "history.csv").unlink(), "history.csv: not a readable CSV"),
        (
            lambda run: (run / "history.csv").write_text("epoch,loss\n1,0.5\n2,0.1\n"),
            "history.csv: missing columns accuracy, val_loss, val_accuracy, seconds",
        ),
        (
            lambda run: (run / "history.csv").write_text(
                "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n1,0.5,0.8,0.2,0.9,9\n1,0.5,0.8,0.2,0.9,9\n"
            ),
            "history.csv: epochs [1, 1], expected 1 to 2 once each",
        ),
        (
            lambda run: (run / "history.csv").write_text(
                "epoch,loss,accuracy,val_loss,val_accuracy,seconds\n1,0.5,0.8,0.2,0.9,9\n2,nan?,0.8,0.2,0.9,9\n"
            ),
            "history.csv: values that are not numbers",
        ),
    ],
)
def test_collect_names_the_damaged_file_what_is_wrong_and_how_to_fix_it(runs, damage, message):
    damaged = Path(runs[1]).parent  # lstm-single-article-seed1
    damage(damaged)
    with pytest.raises(gather.RunRecordError) as error:
        gather.collect_runs(runs)
    assert f"{damaged}/{message.split(':')[0]}" in str(error.value) and message in str(error.value)
    assert f"retrain it with: snakemake --cores 4 --forcerun {damaged}/metrics.json" in str(error.value)


def rewrite_metrics(run_dir: Path, **changes) -> None:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    (run_dir / "metrics.json").write_text(json.dumps(metrics | changes))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"test_accuracy": float("nan")}, "test_accuracy is nan, expected a finite number"),
        ({"test_loss": float("inf")}, "test_loss is inf, expected a finite number"),
        ({"test_accuracy": 98.5}, "test_accuracy is 98.5, expected a proportion between 0 and 1"),
        ({"best_val_accuracy": -0.1}, "best_val_accuracy is -0.1, expected a proportion between 0 and 1"),
        ({"test_loss": -0.5}, "test_loss is -0.5, expected a number not below 0"),
        ({"seconds_per_epoch": -1}, "seconds_per_epoch is -1, expected a number not below 0"),
        ({"test_accuracy": "0.98"}, "test_accuracy is '0.98', expected a finite number"),
        ({"test_images": 0}, "test_images is 0, expected a whole number above 0"),
        ({"recurrent_params": 2.5}, "recurrent_params is 2.5, expected a whole number not below 0"),
    ],
)
def test_collect_refuses_a_non_finite_or_impossible_value_naming_the_file_and_the_key(runs, changes, message):
    damaged = Path(runs[1]).parent
    rewrite_metrics(damaged, **changes)
    with pytest.raises(gather.RunRecordError) as error:
        gather.collect_runs(runs)
    assert str(error.value).startswith(f"{damaged}/metrics.json: {message}; retrain it with"), str(
        error.value
    )


def test_collect_refuses_an_empty_selection():
    with pytest.raises(ValueError, match="no runs to collect"):
        gather.collect_runs([])


def verdict_rows(repo):
    """results/replication.csv's rows for five synthetic seeds of each single-layer cell."""
    from rnn_replication.judge.outputs import replication_rows

    runs = []
    for cell, accuracy, params in (
        ("simplernn", 0.974, 20096),
        ("lstm", 0.9868, 80384),
        ("gru", 0.9875, 60288),
    ):
        for seed, offset in enumerate((-0.0004, -0.0002, 0.0, 0.0002, 0.0004)):
            runs.append(
                {
                    "run": RunSpec(cell, "single", "article", seed).name,
                    "cell": cell,
                    "form": "single",
                    "semantics": "article",
                    "seed": seed,
                    "test_accuracy": accuracy + offset,
                    "test_loss": 0.05 + offset,
                    "recurrent_params": params,
                }
            )
    summary = pd.DataFrame(runs)
    article, _ = paper.load_article(repo / "paper")
    claims = paper.load_claims(repo / "paper")
    timing = pd.DataFrame(
        [
            {
                "repeat": r,
                "cell": c,
                "seconds": s * (1 + r / 10),
                "device": "CPU: test",
                "backend": "tensorflow",
            }
            for r in (1, 2, 3)
            for c, s in (("simplernn", 1.3), ("lstm", 6.0), ("gru", 5.0))
        ]
    )
    margins = {"test_accuracy": 0.005, "test_loss": 0.02}
    rows = replication_rows(summary, article, list(claims.values()), timing, margins)
    return summary, rows, claims, timing, article


def test_numbers_table_shows_the_interval_the_margin_and_the_verdict(repo, tmp_path):
    summary, rows, _, _, _ = verdict_rows(repo)
    rows.to_csv(tmp_path / "replication.csv", index=False)
    table = verdicts.numbers_table(report_inputs.read_replication(tmp_path / "replication.csv"))
    lstm = table[(table["cell"] == "LSTM") & (table["number"] == "test accuracy")].iloc[0]
    assert lstm["article"] == "98.67 %" and lstm["seeds"] == 5
    assert lstm["ours: mean ± sd"] == "98.68 % ± 0.03 points"
    assert lstm["95 % prediction interval"].endswith("%") and " to " in lstm["95 % prediction interval"]
    assert lstm["margin"] == "±0.50 points"
    assert lstm["verdict"] == "replicated (equivalent within ±0.50 points)"
    params = table[table["number"] == "recurrent parameters"]
    assert params["verdict"].tolist() == ["replicated (exact)"] * 3 and params["margin"].tolist() == ["–"] * 3


def test_claims_table_quotes_the_article_and_states_each_test(repo):
    _, rows, claims, _, _ = verdict_rows(repo)
    table = verdicts.claims_table(rows, claims)
    assert len(table) == 5
    first = table.iloc[0]
    assert "显著高于" in first["the article says"] and "Simple RNN" in first["the article says"]
    assert first["tested as"] == "LSTM − SimpleRNN test accuracy > 0; paired by seed, one-sided t"
    assert first["verdict"] == "supported" and first["article's own"] == "+1.34 points"
    speed = table.iloc[4]
    assert (
        speed["tested as"].startswith("GRU/LSTM seconds per epoch < 1") and speed["article's own"] == "0.977x"
    )


def test_timing_table_and_caption_name_where_the_timings_come_from(repo):
    from rnn_replication.judge.descriptive import timing_ratios

    _, _, _, timing, article = verdict_rows(repo)
    table = comparisons.timing_table(timing_ratios(timing, article))
    assert table["ratio of seconds per epoch"].tolist() == ["LSTM / SimpleRNN", "GRU / LSTM"]
    assert table["article (ratio of its µs/step)"].tolist() == ["2.830", "0.977"]
    assert table["ours: geometric mean (90 % interval)"].iloc[1].startswith("0.833")
    caption = comparisons.timing_caption(timing)
    assert "3 repeats" in caption and "CPU: test" in caption and "machine to itself" in caption
    assert "how busy the machine was is not recorded" in caption
    busy = comparisons.timing_caption(timing.assign(others_cpu_share=[0.01] * (len(timing) - 1) + [0.34]))
    assert "other processes took up to 34 % of the pass's CPUs during a timed epoch" in busy
    quiet = comparisons.timing_caption(timing.assign(others_cpu_share=[0.0] * (len(timing) - 1) + [0.003]))
    assert "other processes took up to 0.3 % of the pass's CPUs" in quiet


def test_verdict_figure_has_every_seed_the_interval_and_the_articles_value(repo):
    summary, rows, _, _, _ = verdict_rows(repo)
    figure = figures.plot_verdicts(summary, rows, "test_accuracy")
    axes = figure.axes[0]
    assert [tick.get_text() for tick in axes.get_xticklabels()] == ["SimpleRNN", "LSTM", "GRU"]
    labels = [text.get_text() for text in axes.get_legend().get_texts()]
    assert labels == ["our seeds", "our mean", "95 % prediction interval", "article"]
    seeds = [line for line in axes.lines if line.get_marker() == "o"]
    assert sum(len(line.get_ydata()) for line in seeds) == 15
    article = [line for line in axes.lines if line.get_marker() == "D"]
    assert [line.get_ydata()[0] for line in article] == pytest.approx([97.33, 98.67, 98.79])


def provenance_of(summary: pd.DataFrame, tmp_path) -> pd.DataFrame:
    """collect's provenance table of the runs in ``summary``, in its order, written and read back as the
    report reads it."""
    path = tmp_path / "provenance.csv"
    provenance.write_provenance(summary["metrics_path"], path)
    return provenance.read_provenance(path)


def title_inputs(repo, summary: pd.DataFrame, tmp_path) -> report_inputs.ReportInputs:
    """What the report's header and environment read: the runs, their provenance as their records now
    state it, and the article (no verdicts, timing or confusion)."""
    article, history = paper.load_article(repo / "paper")
    return report_inputs.ReportInputs(
        config={"semantics": "article"},
        summary=summary,
        main=summary,
        provenance=provenance_of(summary, tmp_path),
        histories={},
        article=article,
        article_history=history,
        claims={},
        verdicts=pd.DataFrame(),
        timing=pd.DataFrame(),
        confusion=pd.DataFrame(),
    )


def test_the_title_warns_when_runs_trained_on_the_cpu_beside_an_unused_gpu(runs, repo, tmp_path):
    metrics_path = Path(runs[0])
    metrics = json.loads(metrics_path.read_text()) | {"gpu_warning": "nvidia-smi sees 1 GPU, but ..."}
    metrics_path.write_text(json.dumps(metrics))
    text = header.title(title_inputs(repo, gather.collect_runs(runs), tmp_path))
    assert "**Trained on the CPU although a GPU is there:** nvidia-smi sees 1 GPU, but ..." in text
    assert "**Not the article's setting:** epochs 2 (article: 20)." in text


def test_the_title_names_every_setting_that_is_not_the_articles(runs, repo, tmp_path):
    summary = gather.collect_runs(runs)

    def title_with(units, epochs, train_images):
        for path in runs:
            metrics = json.loads(Path(path).read_text())
            metrics["config"] = RunSpec(
                metrics["cell"], metrics["form"], units=units, epochs=epochs
            ).settings()
            Path(path).write_text(json.dumps(metrics))
        inputs = title_inputs(repo, summary.assign(epochs=epochs, train_images=train_images), tmp_path)
        return header.title(inputs)

    assert "Not the article's setting" not in title_with(128, 20, 60000)
    text = title_with(64, 20, 1024)
    assert (
        "**Not the article's setting:** units 64 (article: 128); 1,024 training images (article: 60,000)."
        in text
    )


def test_the_environment_names_what_decides_the_digits_and_where_runs_differ(runs, tmp_path):
    summary = gather.collect_runs(runs)
    settings = environment.numeric_settings(provenance_of(summary, tmp_path))
    assert settings["oneDNN instruction-set cap → in effect"] == "AVX2 → AVX2"
    assert settings["op determinism"] == "on" and settings["TensorFloat-32 matmuls"] == "off"
    assert settings["arithmetic fingerprint (one per configuration)"] == "0123456789ab"
    record = json.loads(Path(runs[0]).read_text()) | {"cpu_isa": "", "cpu_isa_in_effect": "AVX512_CORE"}
    Path(runs[0]).write_text(json.dumps(record))
    mixed = environment.numeric_settings(provenance_of(summary, tmp_path))[
        "oneDNN instruction-set cap → in effect"
    ]
    assert mixed == "AVX2 → AVX2 (3 runs); none → AVX512_CORE (1 run)"


def test_the_provenance_table_holds_what_each_record_states_in_the_given_order(tmp_path):
    from rnn_replication.core.spec import HYPERPARAMETERS

    lstm = write_run(tmp_path, "lstm", "single", 0, 0.987)
    gru = write_run(tmp_path, "gru", "single", 1, 0.988)
    rewrite_metrics(
        Path(lstm).parent,
        python="3.11.7",
        git_commit="0123456789abcdef",
        git_dirty=True,
        gpu_warning="nvidia-smi sees 1 GPU, but ...",
        versions={"numpy": "1.10", "keras": "3.15.1"},
        packages={"numpy": "1.10", "keras": "3.15.1", "pandas": "2.2.3"},
    )
    older = json.loads(Path(gru).read_text())  # an older record: no python, settings or determinism
    del older["config"], older["deterministic_ops"]
    Path(gru).write_text(json.dumps(older))
    provenance.write_provenance([gru, lstm], tmp_path / "provenance.csv")

    written = pd.read_csv(tmp_path / "provenance.csv", dtype=str, keep_default_na=False)
    settings = [f"config_{name}" for name in HYPERPARAMETERS]
    fixed = ["run", *provenance.RECORD_FIELDS, "installed_packages", *settings]
    assert list(written.columns[: len(fixed)]) == fixed
    versions = list(written.columns[len(fixed) :])
    assert versions == sorted(versions) and {"version_numpy", "version_keras"} <= set(versions)
    assert written["run"].tolist() == ["gru-single-article-seed1", "lstm-single-article-seed0"]
    assert written["python"].tolist() == ["", "3.11.7"]  # absent from the older record: empty

    table = provenance.read_provenance(tmp_path / "provenance.csv").set_index("run")
    first, second = table.loc["lstm-single-article-seed0"], table.loc["gru-single-article-seed1"]
    assert first["version_numpy"] == "1.10"  # a version is text: not the number 1.1
    assert provenance.recorded_versions(first) == {"keras": "3.15.1", "numpy": "1.10"}
    assert first["git_dirty"] is True and first["deterministic_ops"] is True and first["tf32"] is False
    assert first["installed_packages"] == 3 and first["gpu_warning"].startswith("nvidia-smi sees 1 GPU")
    settings = RunSpec("lstm", epochs=2).settings()
    assert provenance.recorded_settings(first) == {name: settings[name] for name in HYPERPARAMETERS}
    assert type(first["config_units"]) is int and first["config_learning_rate"] == 0.001
    assert second["config_units"] is None and provenance.recorded_settings(second) == {}
    assert second["deterministic_ops"] is None and second["git_commit"] == "" and second["python"] == ""


def test_the_environment_shows_what_the_runs_recorded_and_nothing_of_the_machine_that_renders_it(
    runs, repo, tmp_path
):
    from rnn_replication.core import records

    rewrite_metrics(Path(runs[0]).parent, python="3.11.7", code_fingerprint="0123abcd", git_commit="f" * 40)
    summary = gather.collect_runs(runs)  # runs[0], the stacked GRU run, comes last
    table = environment.environment_table(title_inputs(repo, summary, tmp_path))
    facts = dict(zip(table[""], table["value"], strict=True))
    assert not [fact for fact in facts if "report" in fact and "made" not in fact]
    assert facts["Python"] == "not recorded (3 runs); 3.11.7 (1 run)"
    fingerprints = facts["code of the runs (fingerprint of their training code)"]
    assert fingerprints == "not recorded (3 runs); 0123abcd (1 run)"
    commits = facts["code of the runs (git commit)"]
    assert commits == "unknown (not a git checkout) (3 runs); ffffffffffff (1 run)"
    assert facts["version: numpy"] == records.package_versions()["numpy"]  # the first run's record
    assert facts["installed packages"].startswith("0, each with its version")


def test_the_report_asks_neither_git_nor_the_machine_that_renders_it(repo):
    """The report shows the runs' environment from collect's provenance table: none of its code, notebook
    included, imports core.provenance (git, installed packages), runs a command or reads the platform."""
    package = repo / "workflow" / "rnn_replication" / "report"
    notebook = json.loads((repo / "notebooks" / "report.ipynb").read_text())
    sources = {path.name: path.read_text() for path in sorted(package.glob("*.py"))} | {
        f"report.ipynb, cell {number}": "".join(cell["source"])
        for number, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
    }
    forbidden = {"rnn_replication.core.provenance", "subprocess", "platform", "pygit2", "git"}
    for name, source in sources.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported = {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
            else:
                imported = set()
            assert not imported & forbidden, (name, imported & forbidden)
            called = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            assert called not in ("git_state", "system", "popen", "run_command"), (name, called)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value != "git" and not node.value.startswith("git "), (name, node.value)


def test_the_instruction_set_in_effect_is_the_lower_of_the_cpus_and_the_cap():
    from rnn_replication.core import records

    avx512 = {"sse4_1", "avx", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512dq"}
    assert records.cpu_isa_level(avx512) == "AVX512_CORE"
    assert records.cpu_isa_level({"sse4_1", "avx", "avx2"}) == "AVX2" and records.cpu_isa_level(set()) == ""
    assert records.cpu_isa_in_effect("AVX2", "AVX512_CORE") == "AVX2"
    assert records.cpu_isa_in_effect("AVX512_CORE", "AVX2") == "AVX2"
    assert records.cpu_isa_in_effect("", "AVX512_CORE") == "AVX512_CORE"


def test_history_figures_mark_whole_epochs_only():
    from rnn_replication.core import curves

    history = pd.DataFrame(
        {
            "epoch": [1, 2],
            "loss": [1.0, 0.5],
            "accuracy": [0.5, 0.8],
            "val_loss": [1.0, 0.6],
            "val_accuracy": [0.5, 0.7],
        }
    )
    figure = curves.plot_history(history, "two epochs")
    for axes in figure.axes:
        low, high = axes.get_xlim()
        ticks = [tick for tick in axes.get_xticks() if low <= tick <= high]
        assert ticks == [1.0, 2.0], ticks


def test_the_report_run_alone_shows_the_settings_of_the_last_workflow_report(tmp_path):
    from rnn_replication.core import runs
    from rnn_replication.report.inputs import standalone_config

    small = runs.default_config() | {"epochs": 2, "train_subset": 1024}
    executed = {"cells": [], "metadata": {"papermill": {"parameters": {"config": small}}}, "nbformat": 4}
    (tmp_path / "report.ipynb").write_text(json.dumps(executed))
    assert standalone_config(tmp_path / "report.ipynb") == small
    # No workflow report (or one without a config): the config file's settings with the defaults.
    assert standalone_config(tmp_path / "missing.ipynb") == runs.default_config()
    (tmp_path / "bare.ipynb").write_text(json.dumps({"metadata": {}}))
    assert standalone_config(tmp_path / "bare.ipynb") == runs.default_config()


def test_a_repeated_not_tested_reason_is_said_once():
    from rnn_replication.report.verdicts import once

    reason = "needs at least two seeds: one run has no spread"
    rows = [
        {"verdict": "not tested", "note": reason},
        {"verdict": "replicated", "note": ""},
        {"verdict": "not tested", "note": reason},
        {"verdict": "not tested", "note": "needs single-layer GRU runs"},
    ]
    assert [row["note"] for row in once(rows)] == [reason, "", "as above", "needs single-layer GRU runs"]


def test_the_reports_template_embeds_a_font_with_every_chinese_character_of_paper(repo):
    """Without a CJK font on the reader's machine the article's title and claims would show as empty
    boxes: the template embeds a font cut to them (workflow/scripts/cjk_font.py), which must cover every
    CJK character of the paper/ files the report shows."""
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    from rnn_replication.report import fonts

    template = (repo / "workflow" / "templates" / "selfcontained" / "index.html.j2").read_text()
    assert f"{{% include '{fonts.CJK_FONT_CSS.name}' %}}" in template
    css = (repo / fonts.CJK_FONT_CSS).read_text(encoding="utf-8")
    assert f'font-family: "{fonts.CJK_FONT_FAMILY}"' in css and fonts.CJK_RANGE in css
    encoded = re.search(r"base64,([A-Za-z0-9+/=]+)\)", css).group(1)
    covered = TTFont(io.BytesIO(base64.b64decode(encoded))).getBestCmap()
    shown = fonts.cjk_characters(repo / "paper")
    assert len(shown) > 20  # the title and the claims' Chinese
    missing = [character for character in shown if ord(character) not in covered]
    assert not missing, f"run workflow/scripts/cjk_font.py again: no glyph for {''.join(missing)}"


def test_short_runs_keep_their_whole_accuracy_axis_and_long_ones_zoom_past_epoch_one():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnn_replication.core.curves import draw_metric, zoom_past_first_epoch

    def history(values):
        epochs = range(1, len(values) + 1)
        return pd.DataFrame({"epoch": epochs, "accuracy": values, "val_accuracy": values})

    for values, zoomed in (([0.80, 0.95], False), ([0.80, 0.95, 0.96, 0.97], True)):
        figure, axes = plt.subplots()
        draw_metric(axes, [history(values)], "accuracy")
        zoom_past_first_epoch(axes, [history(values)], "accuracy")
        low, _ = axes.get_ylim()
        assert (low > 0.80) == zoomed  # a 2-epoch run keeps its first epoch in view
        plt.close(figure)
