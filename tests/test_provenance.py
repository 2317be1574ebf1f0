"""Which code and environment made a result: code files per rule, the git state, installed packages."""

import subprocess

from rnn_replication import provenance


def test_a_modules_code_includes_everything_it_imports_from_the_package():
    training = provenance.module_closure("training")
    assert {"__init__", "runs", "data", "models", "records", "provenance", "training"} <= set(training)
    assert "replication" not in training and "tables" not in training  # report code does not retrain
    report = provenance.module_closure("tables", "figures")
    assert {"replication", "inference", "collect", "curves"} <= set(report) and "training" not in report
    assert provenance.package_files("collect")[0] == "workflow/rnn_replication/__init__.py"


def git(directory, *arguments):
    subprocess.run(["git", "-C", str(directory), *arguments], check=True, capture_output=True)


def test_git_state_names_the_commit_and_whether_tracked_files_changed(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    git(tmp_path, "add", "code.py")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    clean = provenance.git_state(tmp_path)
    assert len(clean["git_commit"]) == 40 and clean["git_dirty"] is False
    (tmp_path / "untracked.txt").write_text("results are not code\n")
    assert provenance.git_state(tmp_path)["git_dirty"] is False
    (tmp_path / "code.py").write_text("x = 2\n")
    assert provenance.git_state(tmp_path) == {"git_commit": clean["git_commit"], "git_dirty": True}


def test_outside_a_git_checkout_the_commit_is_unknown(tmp_path):
    assert provenance.git_state(tmp_path) == {"git_commit": None, "git_dirty": None}


def test_installed_packages_are_every_distribution_with_its_version():
    packages = provenance.installed_packages()
    assert packages["keras"] and packages["snakemake"] and packages["rnn-replication"]
    assert list(packages) == sorted(packages)
