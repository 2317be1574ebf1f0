"""papermill, with kernels that talk over Unix sockets instead of TCP ports.

Jupyter picks a kernel's five TCP ports by asking the OS for free ones and binding them a moment later;
notebooks started at the same moment can pick the same port and one kernel dies with "ZMQError: Address
already in use" before running a cell (snakemake/snakemake#3689, nteract/papermill#511). With the IPC
transport each kernel's sockets are files named after its own connection file, so there is nothing to
collide on. If a kernel still dies before running any cell, the notebook is started again (up to 3 times).

Usage: python workflow/scripts/run_notebook.py INPUT.ipynb OUTPUT.ipynb [papermill options: -p NAME VALUE]
"""

import sys
import tempfile
import traceback
import uuid
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from papermill.cli import papermill as papermill_cli
from papermill.engines import NBClientEngine, papermill_engines

ATTEMPTS = 3


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels use Unix domain sockets, at paths no other kernel uses."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        # Jupyter's default IPC path is "kernel-ipc" in the working directory: shared by every kernel
        # started there, which is a collision of its own. A random name per kernel instead.
        self.ip = str(Path(tempfile.gettempdir()) / f"kernel-{uuid.uuid4().hex[:16]}")


class IPCEngine(NBClientEngine):
    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        kwargs.setdefault("kernel_manager_class", IPCKernelManager)
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


def kernel_never_ran(output_path: Path) -> bool:
    """Whether papermill got as far as writing ``output_path`` but its kernel ran no cell: the mark of
    a kernel that died while starting (a notebook that cannot be read never gets that far)."""
    try:
        notebook = nbformat.read(output_path, as_version=4)
    except Exception:  # noqa: BLE001 - no output notebook: papermill stopped before any kernel
        return False
    return not any(cell.get("execution_count") for cell in notebook.cells if cell.cell_type == "code")


def run_papermill(arguments: list[str]) -> int:
    """papermill's own command line, in this process, with the IPC engine; its exit status."""
    try:
        papermill_cli.main(args=["--engine", "nbclient-ipc", *arguments], prog_name="papermill")
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except Exception:  # noqa: BLE001 - papermill's own errors (a failing cell, a dead kernel) end here
        traceback.print_exc()
        return 1
    return 0


def main(arguments: list[str]) -> int:
    if len(arguments) < 2 or arguments[0].startswith("-") or arguments[1].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    papermill_engines.register("nbclient-ipc", IPCEngine)
    output_path = Path(arguments[1])
    for attempt in range(1, ATTEMPTS + 1):
        output_path.unlink(missing_ok=True)  # a stale copy must not be mistaken for this attempt's
        status = run_papermill(arguments)
        # Only a kernel that died before its first cell is started again: a failing cell is a real error.
        if status == 0 or not kernel_never_ran(output_path) or attempt == ATTEMPTS:
            return status
        print(
            f"run_notebook: {output_path} failed before running a cell (exit {status}); "
            f"starting it again ({attempt + 1}/{ATTEMPTS})",
            file=sys.stderr,
            flush=True,
        )
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
