"""Project-level promises: one list of pins, installed by both routes; CI runs the README's test command."""

import re

import yaml


def requirement_lines(repo):
    lines = [line.split("#")[0].strip() for line in (repo / "requirements.txt").read_text().splitlines()]
    return [line for line in lines if line]


def test_requirements_pin_every_package_and_install_the_workflow_package(repo):
    lines = requirement_lines(repo)
    assert lines[-1] == "-e ."  # the workflow's own package, so nothing edits sys.path
    pins = dict(line.split("==") for line in lines[:-1])
    assert all(re.fullmatch(r"[0-9][0-9a-z.]*", version) for version in pins.values()), pins
    for package in ("snakemake", "tensorflow", "keras", "jupyter", "papermill", "nbconvert", "scipy"):
        assert package in pins, package


def test_environment_yml_installs_requirements_txt_instead_of_repeating_its_pins(repo):
    environment = yaml.safe_load((repo / "environment.yml").read_text())
    assert "conda-forge" in environment["channels"] and "python=3.11" in environment["dependencies"]
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert pip_section == ["-r requirements.txt"]


def test_ci_runs_exactly_the_readmes_test_command(repo):
    readme = (repo / "README.md").read_text()
    command = re.search(r"(python -m pytest[^`\n]*)", readme).group(1).strip()
    ci_lines = [line.strip() for line in (repo / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines
