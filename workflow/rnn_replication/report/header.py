"""The report's header: its title, what it covers (runs, seeds, setting, device, the article), and what the
reader must know first (a GPU left unused, a setting that is not the article's)."""

from __future__ import annotations

from datetime import UTC, datetime

from rnn_replication.collect.provenance import recorded_settings
from rnn_replication.core.spec import HYPERPARAMETERS
from rnn_replication.data.mnist import ARRAY_SHAPES
from rnn_replication.report.inputs import ReportInputs
from rnn_replication.report.wording import count


def title(inputs: ReportInputs, now: datetime | None = None) -> str:
    """The report's title and what it covers: runs, seeds, setting, device, the article."""
    now = now or datetime.now(UTC)
    main, summary, citation = inputs.main, inputs.summary, inputs.article["citation"]
    first = main.iloc[0]
    configurations = main.groupby(["cell", "form"]).ngroups
    seeds = "; ".join(
        f"{form}: seed{'s' if len(group) > 1 else ''} {', '.join(map(str, sorted(group)))}"
        for form, group in main.groupby("form", sort=False)["seed"].unique().items()
    )
    extra = len(summary) - len(main)
    devices = ", ".join(sorted(summary["device"].unique()))
    text = (
        "# SimpleRNN vs LSTM vs GRU on row-wise MNIST: the article beside this replication\n\n"
        f"**{count(len(summary), 'run')}**: {count(configurations, 'configuration')} ({seeds}), with "
        f"{inputs.config['semantics']} semantics"
        + (
            f", plus {extra} single-layer runs with the other semantics (Keras 2.2 vs Keras 3)"
            if extra
            else ""
        )
        + f". {first['epochs']} epochs, {first['train_images']:,} training and {first['test_images']:,} test "
        f"images, Keras backend {first['backend']}, on {devices}. Article: *{citation['title_en']}* "
        f"({citation['title']}), {citation['software']}. Report made {now:%Y-%m-%d %H:%M} UTC."
    )
    warnings = set(inputs.provenance["gpu_warning"])
    for warning in sorted(warning for warning in warnings if warning):
        text += f"\n\n> **Trained on the CPU although a GPU is there:** {warning}"
    differences = setting_differences(inputs)
    if differences:
        text += (
            f"\n\n> **Not the article's setting:** {'; '.join(differences)}. The comparison with the "
            "article below is a smoke test, not a replication."
        )
    return text


def setting_differences(inputs: ReportInputs) -> list[str]:
    """How the runs' data and hyperparameters differ from the article's (empty: the article's setting).
    The hyperparameters are those of the first run's record (its ``config``), else the report's config."""
    first = inputs.main.iloc[0]
    recorded = recorded_settings(inputs.provenance.set_index("run").loc[first["run"]])
    settings = inputs.config | recorded | {"epochs": first["epochs"]}
    article = inputs.article["hyperparameters"]
    differences = [
        f"{name} {settings[name]} (article: {article[name]})"
        for name in HYPERPARAMETERS
        if name in article and name in settings and settings[name] != article[name]
    ]
    for kind, column, array in (("training", "train_images", "x_train"), ("test", "test_images", "x_test")):
        used, full = first[column], ARRAY_SHAPES[array][0]
        if used != full:
            differences.append(f"{used:,} {kind} images (article: {full:,})")
    return differences
