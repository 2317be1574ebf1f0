"""Every grid renders: the report notebook's code, run on synthetic run records of any non-empty subset of
cells, forms and seeds, with and without the semantics study, says "not tested (needs ...)" for what the
grid did not run and writes whole counts as integers. It reads only the files its rule declares: the runs'
records are gone when it renders."""

import itertools
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from run_records import write_run

from rnn_replication.collect import gather, provenance
from rnn_replication.core import paper, runs
from rnn_replication.core.spec import CELLS
from rnn_replication.judge import comparison
from rnn_replication.judge.descriptive import STATISTICS
from rnn_replication.judge.outputs import write_dynamics, write_replication
from rnn_replication.timing.measure import TIMING_COLUMNS, balanced_orders

ACCURACY = {"simplernn": 0.972, "lstm": 0.986, "gru": 0.988}
SECONDS = {"simplernn": 1.3, "lstm": 6.0, "gru": 5.2}


def synthetic_workflow(root, cells, forms, seeds, compare_semantics) -> dict:
    """The files collect and the judge would have made from synthetic runs of the grid; the report
    notebook's parameters pointing to them. The runs' records (metrics.json) are removed once collected:
    the report must not read them."""
    results = root / "results"
    semantics = ["article", "modern"] if compare_semantics else ["article"]
    paths = [
        write_run(results / "runs", cell, form, seed, ACCURACY[cell] + 0.001 * seed, SECONDS[cell], name)
        for cell in cells
        for form in forms
        for name in semantics
        if name == "article" or form == "single"
        for seed in seeds
    ]
    summary = gather.write_tables(paths, results / "summary.csv", results / "confusion.csv")
    provenance.write_provenance(summary["metrics_path"], results / "provenance.csv")
    for path in paths:
        Path(path).unlink()
    orders = balanced_orders(list(cells))
    timing = [
        {
            "repeat": repeat,
            "position": position,
            "cell": cell,
            "seconds": SECONDS[cell] * (1 + 0.01 * repeat),
            "cpu_seconds": 2 * SECONDS[cell],
            "others_cpu_share": 0.01,
            "train_images": 60000,
            "test_images": 10000,
            "backend": "tensorflow",
            "device": "CPU: test (2 cores)",
        }
        for repeat in range(1, 2 * len(cells) + 1)
        for position, cell in enumerate(orders[(repeat - 1) % len(orders)], start=1)
    ]
    pd.DataFrame(timing, columns=TIMING_COLUMNS).to_csv(results / "timing.csv", index=False)
    config = runs.default_config() | {
        "cells": list(cells),
        "forms": list(forms),
        "seeds": list(seeds),
        "other_form_seeds": list(seeds),
        "compare_semantics": compare_semantics,
    }
    statistics = {name: results / f"{name}.csv" for name in STATISTICS}
    write_replication(
        results / "summary.csv",
        results / "timing.csv",
        runs.repository_root() / "paper" / "article.yaml",
        runs.repository_root() / "paper" / "claims.yaml",
        config,
        results / "replication.csv",
        statistics,
    )
    write_dynamics(
        results / "summary.csv",
        runs.repository_root() / "paper" / "article_history.csv",
        runs.repository_root() / "paper" / "features.yaml",
        config,
        results / "curves.csv",
        results / "curve_bands.csv",
    )
    return {
        "summary_path": str(results / "summary.csv"),
        "provenance_path": str(results / "provenance.csv"),
        "replication_path": str(results / "replication.csv"),
        "timing_path": str(results / "timing.csv"),
        "confusion_path": str(results / "confusion.csv"),
        "seed_spread_path": str(statistics["seed_spread"]),
        "timing_ratios_path": str(statistics["timing_ratios"]),
        "semantics_path": str(statistics["semantics"]),
        "curves_path": str(results / "curves.csv"),
        "curve_bands_path": str(results / "curve_bands.csv"),
        "comparison_path": "",
        "paper_dir": str(runs.repository_root() / "paper"),
        "report_dir": str(results),
        "config": config,
        "benchmark_paths": [],
        "figures_dir": "",
        "rerun_options": "",
    }


def render(repo, parameters: dict, monkeypatch) -> str:
    """The report notebook's code cells run in this process with ``parameters`` in place of its parameters
    cell; what it displays (Markdown and HTML), as one text."""
    import matplotlib

    matplotlib.use("Agg")
    shown = []

    def display(*objects):
        shown.extend(getattr(item, "data", "") or "" for item in objects)

    monkeypatch.setattr("IPython.display.display", display)
    monkeypatch.chdir(repo)  # the notebook changes to the repository root itself
    notebook = json.loads((repo / "notebooks" / "report.ipynb").read_text())
    code = [
        "".join(cell["source"])
        for cell in notebook["cells"]
        if cell["cell_type"] == "code" and "parameters" not in cell["metadata"].get("tags", [])
    ]
    namespace = dict(parameters)
    for source in code:
        exec(compile(source, "report.ipynb", "exec"), namespace)  # noqa: S102 - the notebook's own code
    import matplotlib.pyplot as plt

    plt.close("all")
    return "\n".join(str(item) for item in shown)


CELL_SUBSETS = [subset for size in (1, 2, 3) for subset in itertools.combinations(CELLS, size)]


@pytest.mark.parametrize("cells", CELL_SUBSETS, ids="+".join)
def test_the_report_renders_for_every_subset_of_cells(cells, repo, tmp_path, monkeypatch):
    parameters = synthetic_workflow(tmp_path, cells, ["single", "stacked"], [0, 1], compare_semantics=False)
    text = render(repo, parameters, monkeypatch)
    verdicts = pd.read_csv(parameters["replication_path"])
    for cell in set(CELLS) - set(cells):
        label = CELLS[cell]
        assert f"not tested (needs single-layer {label} runs" in text, cell
        assert (verdicts.loc[verdicts["cell"] == cell, "verdict"] == "not tested").all()
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
    assert "across the 0" not in text and not re.search(r"\d\.0 of \d", text)
    claims = paper.load_claims(repo / "paper").values()
    testable = [c for c in claims if c["test"] != "exact_less" and set(c["compares"]) <= set(cells)]
    assert int(verdicts["p_different"].notna().sum()) == 2 * len(cells) + len(testable)
    if {"gru", "lstm"} <= set(cells):
        assert "trains faster than LSTM on this machine" in text or "speed" in text


@pytest.mark.parametrize(
    ("forms", "seeds", "compare_semantics"),
    [
        (["stacked"], [0, 1], False),  # no single-layer run: none of the article's numbers can be tested
        (["bidirectional", "single"], [3], False),  # one seed: no spread, so no verdict from it
        (["single"], [0, 2], True),  # the semantics study beside the replication
    ],
)
def test_the_report_renders_for_other_forms_seeds_and_semantics(
    forms, seeds, compare_semantics, repo, tmp_path, monkeypatch
):
    cells = ["lstm", "gru"]
    parameters = synthetic_workflow(tmp_path, cells, forms, seeds, compare_semantics)
    text = render(repo, parameters, monkeypatch)
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
    if "single" not in forms:  # only the speed claim is tested: the timing pass times the cells alone
        assert "Holm's correction across the 1 tested claim." in text
        assert "not tested (needs single-layer LSTM runs" in text
    if len(seeds) == 1 and "single" in forms:
        assert "not tested (needs at least two seeds" in text
    if compare_semantics:
        assert "What changed, cell by cell" in text and "reset_after=True" in text


def test_the_verdicts_are_counted_in_whole_numbers(repo, tmp_path, monkeypatch):
    parameters = synthetic_workflow(tmp_path, CELLS, ["single"], [0, 1, 2], compare_semantics=False)
    text = render(repo, parameters, monkeypatch)
    counts = re.search(r"\*\*The article's test accuracies and losses\*\* \(6\): [^\n]+", text)
    assert counts, text[:3000]
    assert "**its architectural claim** (1): 1 " in counts.group(0)
    numbers = re.findall(
        r"(\d+(?:\.\d+)?) (?:replicated|not replicated|consistent|supported|contradicted)", counts.group(0)
    )
    assert numbers and all("." not in number for number in numbers)


def test_a_reference_replication_is_shown_beside_this_one(repo, tmp_path, monkeypatch):
    parameters = synthetic_workflow(tmp_path, CELLS, ["single"], [0, 1], compare_semantics=False)
    summary = pd.read_csv(parameters["summary_path"])
    reference = summary.assign(test_accuracy=summary["test_accuracy"] + 0.0001)
    table = comparison.compare(
        summary,
        pd.concat([summary[summary["cell"] == "lstm"], reference[summary["cell"] != "lstm"]]),
        {"test_accuracy": 0.005, "test_loss": 0.02},
    )
    table.to_csv(tmp_path / "comparison.csv", index=False)
    text = render(repo, parameters | {"comparison_path": str(tmp_path / "comparison.csv")}, monkeypatch)
    assert "Against the reference replication" in text
    assert text.count("identical digits") >= 2 and "2 of 2 seeds" in text and "0 of 2 seeds" in text
    assert "Against the reference replication" not in render(repo, parameters, monkeypatch)
