"""Project-level promises: pinned installs agree, CI runs the README's test command."""

import re

import yaml


def pins(lines):
    return {line.split("==")[0].lower(): line.split("==")[1] for line in lines if "==" in line}


def test_environment_yml_installs_the_same_pinned_versions_as_requirements(repo):
    requirements = [
        line.split("#")[0].strip() for line in (repo / "requirements.txt").read_text().splitlines()
    ]
    environment = yaml.safe_load((repo / "environment.yml").read_text())
    assert "conda-forge" in environment["channels"]
    assert "python=3.11" in environment["dependencies"]
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert pins(pip_section) == pins(requirements)
    for package in ("snakemake", "tensorflow", "keras", "jupyter", "papermill", "nbconvert"):
        assert package in pins(requirements), package
    assert all("==" in line for line in requirements if line), "every requirement is pinned with =="


def test_ci_runs_exactly_the_readmes_test_command(repo):
    readme = (repo / "README.md").read_text()
    command = re.search(r"(python -m pytest[^`\n]*)", readme).group(1).strip()
    ci_lines = [line.strip() for line in (repo / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines
