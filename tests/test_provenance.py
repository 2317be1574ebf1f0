"""Which code and environment made a result: the git state, installed packages."""

import subprocess

from rnn_replication.core import provenance


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
