"""Many notebooks at once: kernels over Unix sockets never collide on ports; a kernel that dies before its
first cell is started again, a failing cell is not."""

import importlib.util
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.workflow

SCRIPT = "run_notebook.py"


@pytest.fixture(scope="module")
def run_notebook(repo):
    spec = importlib.util.spec_from_file_location(
        "run_notebook", repo / "workflow" / "scripts" / "run_notebook.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tiny_notebook(path: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell('job = "none"\nfail = False')
    parameters.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell('print("job", job, "ran")\nassert not fail, "asked to fail"')
    notebook.cells = [parameters, body]
    nbformat.write(notebook, path)
    return path


def run(repo, notebook, output, *options):
    return subprocess.run(
        [
            sys.executable,
            str(repo / "workflow" / "scripts" / "run_notebook.py"),
            str(notebook),
            str(output),
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_eight_notebooks_at_once_all_succeed(repo, tmp_path):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    for round_number in range(1):
        outputs = [tmp_path / f"round{round_number}-job{job}.ipynb" for job in range(8)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            jobs = [
                pool.submit(run, repo, notebook, out, "-p", "job", str(job))
                for job, out in enumerate(outputs)
            ]
            results = [job.result() for job in jobs]
        failures = [result.stderr[-2000:] for result in results if result.returncode != 0]
        assert not failures, failures
        # The kernels talked over Unix sockets (ipykernel warns when it listens on TCP ports).
        assert not any("running over TCP" in result.stderr for result in results)
        assert not any("starting it again" in result.stderr for result in results)
        for job, output in enumerate(outputs):
            executed = nbformat.read(output, as_version=4)
            assert f"job {job} ran" in executed.cells[-1].outputs[0]["text"]


def test_a_failing_cell_is_not_retried_and_keeps_its_traceback(repo, tmp_path):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    result = run(repo, notebook, tmp_path / "failed.ipynb", "-p", "fail", "True")
    assert result.returncode != 0
    assert "starting it again" not in result.stderr
    executed = nbformat.read(tmp_path / "failed.ipynb", as_version=4)
    assert "asked to fail" in str(executed.cells[-1].outputs)


def test_a_kernel_that_dies_before_its_first_cell_is_started_again(run_notebook, tmp_path, monkeypatch):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    output = tmp_path / "out.ipynb"
    attempts = []

    def flaky_papermill(arguments):
        attempts.append(arguments)
        if len(attempts) == 1:  # what a port collision leaves: the output written, no cell executed
            nbformat.write(nbformat.read(notebook, as_version=4), output)
            return 1
        return 0

    monkeypatch.setattr(run_notebook, "run_papermill", flaky_papermill)
    assert run_notebook.main([str(notebook), str(output)]) == 0
    assert len(attempts) == 2


def test_a_missing_notebook_is_not_retried(repo, tmp_path):
    result = run(repo, tmp_path / "nowhere.ipynb", tmp_path / "out.ipynb")
    assert result.returncode != 0 and "nowhere.ipynb" in result.stderr
    assert "starting it again" not in result.stderr
