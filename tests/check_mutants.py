"""Mutation check of the statistics: each mutant below is an error a reader of the verdicts could not see
(a z for a t, a missing correction, a halved margin), and each must make a test of the statistics fail.

Usage (from the repository root): python tests/check_mutants.py
It copies the repository (without its environment, history and results) to a temporary folder, checks
that the statistics' tests pass there, applies one mutant at a time, runs the tests against the copy
(first on the PYTHONPATH) and prints one line per mutant; exits 1 if any survived. The repository itself
is never edited. Not collected by pytest.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What the copy leaves out: the environment, the history, and what a run writes.
LEFT_OUT = (".git", ".venv", "results", "resources", "logs", "benchmarks", ".snakemake", "__pycache__", "out")
JUDGE = Path("workflow") / "rnn_replication" / "judge"
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
    "power's noncentrality without sqrt(1 + 1/n)": (
        "inference.py",
        [
            (
                "noncentrality = np.abs(np.asarray(miss, dtype=float)) / prediction_scale(sd, n)",
                "noncentrality = np.abs(np.asarray(miss, dtype=float)) / np.asarray(sd, dtype=float)",
            )
        ],
    ),
    "power from one tail's critical value": (
        "inference.py",
        [
            (
                "critical = stats.t.ppf(1 - np.asarray(level) / 2, df)",
                "critical = stats.t.ppf(1 - np.asarray(level), df)",
            )
        ],
    ),
    "posterior sd with n degrees of freedom instead of n - 1": (
        "inference.py",
        [
            (
                "sigma = sd * np.sqrt((n - 1) / rng.chisquare(n - 1, size=draws))",
                "sigma = sd * np.sqrt(n / rng.chisquare(n, size=draws))",
            )
        ],
    ),
}


def run_tests(copy: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider", *TESTS],
        cwd=copy,
        env=os.environ | {"PYTHONPATH": str(copy / "workflow")},
        capture_output=True,
        text=True,
    )


def survives(copy: Path, file: str, edits: list[tuple[str, str]]) -> tuple[bool, list[str]]:
    path = copy / JUDGE / file
    original = path.read_text()
    mutated = original
    for source, mutant in edits:
        if mutated.count(source) != 1:
            raise SystemExit(
                f"{JUDGE / file}: expected {source!r} once; update tests/check_mutants.py to the code"
            )
        mutated = mutated.replace(source, mutant)
    path.write_text(mutated)
    try:
        result = run_tests(copy)
    finally:
        path.write_text(original)
    failed = [line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("FAILED")]
    return result.returncode == 0, failed


def main() -> int:
    survivors = 0
    with tempfile.TemporaryDirectory(prefix="mutants-") as folder:
        copy = Path(folder) / "repository"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*LEFT_OUT))
        baseline = run_tests(copy)
        if baseline.returncode != 0:
            print(baseline.stdout[-3000:])
            raise SystemExit("the statistics' tests fail on the copy without any mutant: fix them first")
        for name, (file, edits) in MUTANTS.items():
            alive, failed = survives(copy, file, edits)
            survivors += alive
            print(f"{name}: {'SURVIVED' if alive else 'killed by ' + ', '.join(failed[:2])}", flush=True)
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
