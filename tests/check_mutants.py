"""Mutation check of the statistics: each mutant below is an error a reader of the verdicts could not see
(a z for a t, a missing correction, a halved margin), and each must make a test of the statistics fail.

Usage (from the repository root): python tests/check_mutants.py
It applies one mutant at a time to the source file, runs the statistics' tests, and restores the file
(also on Ctrl-C); it prints one line per mutant and exits 1 if any survived. Not collected by pytest.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUDGE = ROOT / "workflow" / "rnn_replication" / "judge"
TESTS = [
    f"tests/test_{name}.py" for name in ("inference", "calibration", "replication", "comparison", "timing")
]
# name -> (file in judge/, [(source text, mutated text)])
MUTANTS = {
    "z instead of t in the paired tests (claims)": (
        "inference.py",
        [
            (
                '"p_greater": float(stats.t.sf(statistic, n - 1))',
                '"p_greater": float(stats.norm.sf(statistic))',
            ),
            ("float(stats.t.cdf(statistic, n - 1))", "float(stats.norm.cdf(statistic))"),
            ("half = stats.t.ppf(1 - alpha, n - 1) * scale", "half = stats.norm.ppf(1 - alpha) * scale"),
        ],
    ),
    '"contradicted" without doubling the p-value': (
        "inference.py",
        [("float(min(1.0, 2 * min(beyond_upper, beyond_lower)))", "float(min(beyond_upper, beyond_lower))")],
    ),
    "Holm dropped from the claims only": (
        "claims.py",
        [
            ('support = inference.holm(table["p_support"])', 'support = table["p_support"].to_numpy(float)'),
            (
                'contradict = inference.holm(table["p_contradict"])',
                'contradict = table["p_contradict"].to_numpy(float)',
            ),
        ],
    ),
    "Holm dropped from compare() only": (
        "comparison.py",
        [
            ('inference.holm(table["p_different"])', 'table["p_different"]'),
            ('inference.holm(table["p_equivalent"])', 'table["p_equivalent"]'),
        ],
    ),
    "the margin halved inside judge_number": (
        "numbers.py",
        [
            (
                "inference.p_equivalent(difference, sd, n, margin)",
                "inference.p_equivalent(difference, sd, n, margin / 2)",
            )
        ],
    ),
    "seeds to decide at alpha instead of alpha / m": (
        "numbers.py",
        [("figures = seeds_figures(row, alpha / family)", "figures = seeds_figures(row, alpha)")],
    ),
}


def survives(file: str, edits: list[tuple[str, str]]) -> tuple[bool, list[str]]:
    path = JUDGE / file
    original = path.read_text()
    mutated = original
    for source, mutant in edits:
        if mutated.count(source) != 1:
            raise SystemExit(f"{path}: expected {source!r} once; update tests/check_mutants.py to the code")
        mutated = mutated.replace(source, mutant)
    path.write_text(mutated)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider", *TESTS],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    finally:
        path.write_text(original)
    failed = [line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("FAILED")]
    return result.returncode == 0, failed


def main() -> int:
    survivors = 0
    for name, (file, edits) in MUTANTS.items():
        alive, failed = survives(file, edits)
        survivors += alive
        print(f"{name}: {'SURVIVED' if alive else 'killed by ' + ', '.join(failed[:2])}", flush=True)
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
