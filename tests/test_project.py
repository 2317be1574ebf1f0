"""Project-level promises: one list of pins, installed by both routes; CI runs the README's test command."""

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from rnn_replication.pipeline import conda


def requirement_lines(repo):
    lines = [line.split("#")[0].strip() for line in (repo / "requirements.txt").read_text().splitlines()]
    return [line for line in lines if line]


def test_requirements_pin_every_package(repo):
    pins = dict(line.split("==") for line in requirement_lines(repo))
    assert all(re.fullmatch(r"[0-9][0-9a-z.]*", version) for version in pins.values()), pins
    for package in ("snakemake", "tensorflow", "keras", "jupyter", "papermill", "nbconvert", "scipy"):
        assert package in pins, package


def test_environment_yml_installs_requirements_txt_instead_of_repeating_its_pins(repo):
    environment = yaml.safe_load((repo / "environment.yml").read_text())
    assert "conda-forge" in environment["channels"] and "python=3.11" in environment["dependencies"]
    pip_section = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    assert pip_section == ["-r requirements.txt", "-e ."]


@pytest.mark.parametrize("conda_prefix", [".snakemake/conda", "../shared/conda-envs"])
def test_the_jobs_conda_environment_installs_the_pins_and_the_package_where_conda_runs_pip(
    repo, tmp_path, conda_prefix
):
    """As `snakemake --use-conda` does it, in a copy of the project: the environment file copied to
    <conda prefix>/<hash>.yaml (Snakemake's own folder, or one given with --conda-prefix), conda writing
    its pip lines to a requirements file beside it and running pip from that folder, with the Snakefile's
    environment. pip installs nothing here: --dry-run, and the pins are installed."""
    project = tmp_path / "project"
    for name in ("requirements.txt", "pyproject.toml", "workflow/envs", "workflow/rnn_replication"):
        copy = shutil.copytree if (repo / name).is_dir() else shutil.copy
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        copy(repo / name, project / name)
    prefix = (project / conda_prefix).resolve()
    prefix.mkdir(parents=True)
    copied = prefix / "0123456789abcdef.yaml"
    shutil.copy(repo / conda.ENVIRONMENT_FILE, copied)
    environment = yaml.safe_load(copied.read_text())
    pip_lines = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))
    requirements = prefix / "condaenv.a1b2c3.requirements.txt"
    requirements.write_text("\n".join(pip_lines))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index"]
        + ["--no-build-isolation", "-r", requirements.name],
        cwd=prefix,
        env=os.environ | {conda.ROOT_VARIABLE: str(project)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Would install rnn-replication-" in result.stdout, result.stdout[-3000:]
    for package in ("tensorflow", "snakemake", "papermill"):
        assert f"Requirement already satisfied: {package}==" in result.stdout, package


def copy_from(repo, destination, *names):
    """The repository's files ``names`` copied to the same relative paths under ``destination``."""
    for name in names:
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(repo / name, destination / name)


def copy_environment_sources(repo, destination):
    copy_from(repo, destination, conda.SOURCE_FILE, *conda.CHANNEL_NAME_FILES.values())


def test_the_conda_environment_changes_when_the_pins_change(repo, tmp_path):
    """Snakemake hashes the environment file's text only: it carries the digest of requirements.txt."""
    assert conda.stamp_problem(repo) is None
    copy_from(repo, tmp_path, conda.ENVIRONMENT_FILE, conda.SOURCE_FILE)
    (tmp_path / conda.PINS_FILE).write_text((repo / conda.PINS_FILE).read_text() + "tqdm==4.67.1\n")
    problem = conda.stamp_problem(tmp_path)
    assert problem and conda.pins_stamp(tmp_path) in problem and conda.pins_stamp(repo) in problem


def test_the_conda_part_is_written_once_in_environment_yml(repo, tmp_path):
    """workflow/envs/workflow.yaml is made from environment.yml: a conda package, channel or Python version
    changed there (here: a new package) makes the jobs' file stale until it is written again."""
    assert (repo / conda.ENVIRONMENT_FILE).read_text() == conda.jobs_environment(repo)
    copy_from(repo, tmp_path, conda.ENVIRONMENT_FILE, conda.SOURCE_FILE, conda.PINS_FILE)
    source = (tmp_path / conda.SOURCE_FILE).read_text()
    (tmp_path / conda.SOURCE_FILE).write_text(source.replace("  - pip\n", "  - pip\n  - graphviz\n", 1))
    problem = conda.stamp_problem(tmp_path)
    assert problem and "is not what environment.yml and requirements.txt make" in problem
    conda.write_jobs_environment(tmp_path)
    assert conda.stamp_problem(tmp_path) is None
    assert "- graphviz" in (tmp_path / conda.ENVIRONMENT_FILE).read_text()


def test_the_conda_part_names_channels_and_packages_that_conda_forge_has(repo):
    assert conda.conda_part_problems(repo) == []
    origin, names = conda.channel_names(repo, "conda-forge")
    assert origin.startswith("github.com/conda-forge/feedstock-outputs at ") and len(names) > 30_000


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("  - nodejs", "  - nodjes"), "conda package 'nodjes' is not a package of conda-forge (registry: "),
        (("  - nodejs", "  - nodejs>=18,<23"), None),
        (("  - nodejs", "  - nodejs 20.*"), None),
        (("  - nodejs", "  - conda-forge::nodejs =20.*"), None),
        (("  - nodejs", "  - conda-forge/linux-64::nodejs[build=*_0]"), None),
        (("  - nodejs", "  - conda-forge::nodjs"), "closest: nodejs"),
        (
            ("  - nodejs", "  - NodeJS"),
            "conda package 'NodeJS': conda's package names are lower case: 'nodejs'",
        ),
        (("  - nodejs", "  - bioconda::nodejs"), "names a channel 'bioconda' is not one whose package names"),
        (("  - nodejs", "  - 18"), "dependency 18 is not in a form this check reads"),
        (("  - conda-forge\n", "  - https://conda.anaconda.org/conda-forge/\n"), None),
        (("  - conda-forge\n", "  - conda-froge\n"), "channel 'conda-froge' is not one whose package names"),
        (
            ("  - conda-forge\n", "  - defaults\n"),
            "held here (conda-forge; or conda's keyword nodefaults). To",
        ),
        (
            ("  - conda-forge\n", ""),
            "'python=3.11' cannot be checked: no channel whose package names are held",
        ),
        (("  - pip\n", ""), "a `pip:` section without the conda package pip: conda warns and adds a pip"),
        (
            ("  - python=3.11", "  - python>>3.11"),
            "dependency 'python>>3.11' is not in a form this check reads",
        ),
        (("  - python=3.11", "  - python=3.11=*_cpython"), None),
    ],
)
def test_a_broken_conda_part_is_named_with_what_was_expected(repo, tmp_path, change, expected):
    """No channel is reachable from CI to solve with: a misspelled package or channel, a spec conda cannot
    read, or pip's section without pip, is caught against conda-forge's registry of names."""
    copy_environment_sources(repo, tmp_path)
    old, new = change
    source = (tmp_path / conda.SOURCE_FILE).read_text()
    assert old in source
    (tmp_path / conda.SOURCE_FILE).write_text(source.replace(old, new, 1))
    problems = conda.conda_part_problems(tmp_path)
    if expected is None:
        assert problems == []
    else:
        assert len(problems) >= 1 and expected in problems[0], problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "expected a mapping with lists under `channels:` and `dependencies:`"),
        ("- python=3.11\n", "expected a mapping with lists under `channels:` and `dependencies:`"),
        (
            "channels: [{a: 1}]\ndependencies: [python]\n",
            "channel {'a': 1}: expected a channel's name or URL",
        ),
        ("channels: [conda-forge]\ndependencies: [pip, {pip: null}]\n", "`pip:` holds None: expected a list"),
    ],
)
def test_an_environment_file_of_another_shape_is_named_not_a_crash(repo, tmp_path, text, expected):
    copy_environment_sources(repo, tmp_path)
    (tmp_path / conda.SOURCE_FILE).write_text(text)
    problems = conda.conda_part_problems(tmp_path)
    assert problems and expected in problems[0], problems


def test_the_jobs_environment_is_not_written_from_a_broken_conda_part(repo, tmp_path):
    copy_environment_sources(repo, tmp_path)
    copy_from(repo, tmp_path, conda.PINS_FILE)
    source = (tmp_path / conda.SOURCE_FILE).read_text()
    (tmp_path / conda.SOURCE_FILE).write_text(source.replace("  - nodejs", "  - nodjes", 1))
    command = [sys.executable, "-m", "rnn_replication.pipeline.conda", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 1 and "'nodjes'" in result.stderr and "closest: nodejs" in result.stderr
    assert not (tmp_path / conda.ENVIRONMENT_FILE).exists()


def test_the_channel_names_are_read_from_the_registrys_head_and_written_the_same_each_time(repo, tmp_path):
    """The script reads a registry laid out as conda-forge/feedstock-outputs is (outputs/x/y/z/NAME.json),
    at its HEAD commit; the same names give the same bytes (no timestamp in the gzip), so a refresh
    shows in git only when the names change."""
    registry = tmp_path / "feedstock-outputs"
    for path in ("outputs/n/o/d/nodejs.json", "outputs/p/i/p/pip.json", "README.md"):
        (registry / path).parent.mkdir(parents=True, exist_ok=True)
        (registry / path).write_text("{}")
    git = ["git", "-C", str(registry), "-c", "user.name=test", "-c", "user.email=test@example.org"]
    for arguments in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "registry"]):
        subprocess.run(git + arguments, check=True)
    commit = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout
    script = repo / "workflow" / "scripts" / "conda_forge_names.py"
    for output in ("first.txt.gz", "second.txt.gz"):
        subprocess.run([sys.executable, script, registry, tmp_path / output], check=True, capture_output=True)
    assert (tmp_path / "first.txt.gz").read_bytes() == (tmp_path / "second.txt.gz").read_bytes()
    (tmp_path / "workflow" / "envs").mkdir(parents=True)
    shutil.copy(tmp_path / "first.txt.gz", tmp_path / conda.CHANNEL_NAME_FILES["conda-forge"])
    origin, names = conda.channel_names(tmp_path, "conda-forge")
    assert names == {"nodejs", "pip"} and commit.strip() in origin
    # The file kept in the repository is one the script wrote: written again from its names, the same bytes.
    origin, names = conda.channel_names(repo, "conda-forge")
    written = conda.write_channel_names(tmp_path / "again.txt.gz", origin, sorted(names))
    assert written.read_bytes() == (repo / conda.CHANNEL_NAME_FILES["conda-forge"]).read_bytes()


def test_ci_runs_exactly_the_readmes_test_command(repo):
    readme = (repo / "README.md").read_text()
    command = re.search(r"(python -m pytest[^`\n]*)", readme).group(1).strip()
    ci_lines = [line.strip() for line in (repo / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines


def locked_versions(path) -> dict[str, str]:
    """{package: version} of a pip-compile lock file (its `name==version \\` lines)."""
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)", path.read_text(), flags=re.MULTILINE)
    return {name.lower(): version for name, version in pins}


def test_the_gpu_lock_is_the_cpu_lock_plus_the_cuda_builds_with_hashes(repo):
    cpu, gpu = locked_versions(repo / "requirements.lock"), locked_versions(repo / "requirements-gpu.lock")
    assert {name: gpu[name] for name in cpu} == cpu  # every CPU package, at the same version
    extra = set(gpu) - set(cpu)
    assert {"nvidia-cudnn-cu12", "jax-cuda12-plugin"} <= extra
    assert all(name.startswith(("nvidia-", "jax-cuda12-")) for name in extra), extra
    for lock, pins in (("requirements.lock", cpu), ("requirements-gpu.lock", gpu)):
        hashed = re.findall(r"^\S+==\S+ \\\n    --hash=sha256:[0-9a-f]{64}", (repo / lock).read_text(), re.M)
        assert len(hashed) == len(pins), lock  # every package with its hashes
    # The direct pins of requirements.txt are the locks' versions.
    for line in requirement_lines(repo):
        name, version = line.split("==")
        assert cpu[name.lower()] == version, name


def test_the_container_route_installs_the_locked_packages_and_runs_the_checkouts_code(repo):
    """The Dockerfile (docs/operations.md, "Containers") cannot be built here (no Docker or Apptainer):
    what it installs is checked against the project's own sources of truth."""
    dockerfile = (repo / "Dockerfile").read_text()
    environment = yaml.safe_load((repo / "environment.yml").read_text())
    python = next(item for item in environment["dependencies"] if str(item).startswith("python="))
    assert f"FROM python:{python.split('=')[1]}-slim" in dockerfile
    assert "pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock" in dockerfile
    assert "nodejs" in dockerfile and "nodejs" in environment["dependencies"]
    # The code comes from the checkout Snakemake binds, not from a copy baked into the image.
    assert "COPY . " not in dockerfile and "pip install -e" not in dockerfile
    (path,) = re.findall(r"^ENV PYTHONPATH=(\S+)$", dockerfile, re.M)
    assert (repo / path / "rnn_replication" / "__init__.py").exists()
    assert 'container: config["container"] or None' in (repo / "Snakefile").read_text()


def test_a_dry_run_under_apptainer_plans_the_jobs_in_the_configured_image(repo, tmp_path):
    if not (shutil.which("apptainer") or shutil.which("singularity")):
        pytest.skip("neither apptainer nor singularity is installed: the container route cannot run here")
    result = subprocess.run(
        ["snakemake", "-n", "--sdm", "apptainer", "--config", "container=rnn-replication.sif"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
