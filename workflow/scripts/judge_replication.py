"""The verdicts: the article's numbers and claims against the runs -> results/replication.csv.

Run by the workflow's judge rule (Snakemake `script:`), which passes the inputs, the config's semantics
and its `verdict` block (alpha, equivalence margins).
"""

from pathlib import Path

import pandas as pd
import yaml
from rnn_replication import records, replication


def main(inputs, output, params) -> str:
    summary = pd.read_csv(inputs.summary)
    summary = summary[summary["semantics"] == params.semantics]
    article = yaml.safe_load(Path(inputs.article).read_text(encoding="utf-8"))
    claims = yaml.safe_load(Path(inputs.claims).read_text(encoding="utf-8"))["claims"]
    timing = pd.read_csv(inputs.timing)
    verdict = params.verdict
    table = replication.replication_rows(
        summary, article, claims, timing, verdict["margins"], verdict["alpha"]
    )
    records.atomic_write_text(output[0], table.to_csv(index=False))
    return table[["kind", "id", "verdict"]].to_string(index=False)


if __name__ == "__main__":
    verdicts = main(snakemake.input, snakemake.output, snakemake.params)  # noqa: F821
    Path(snakemake.log[0]).write_text(verdicts + "\n")  # noqa: F821
