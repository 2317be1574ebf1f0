"""A temporary file of an atomic write whose process was killed is removed at the workflow's next start;
one still being written, and every other file, is kept."""

import os
import subprocess
import sys
import time

from rnn_replication.pipeline import leftovers

KILLED_WHILE_WRITING = """
import os, sys
from rnn_replication.core.files import atomic_path
with atomic_path(sys.argv[1]) as temporary:
    temporary.write_bytes(b"half")
    os._exit(9)  # as SIGKILL: no clean-up runs
"""


def test_a_killed_writers_temporary_file_is_removed_and_nothing_else(tmp_path):
    resources = tmp_path / "resources"
    resources.mkdir()
    (resources / "mnist.npz").write_bytes(b"data")
    (resources / ".gitkeep").write_text("")
    done = subprocess.run([sys.executable, "-c", KILLED_WHILE_WRITING, str(resources / "mnist.npz")])
    assert done.returncode == 9
    (left,) = [path for path in resources.iterdir() if path.name.startswith(".mnist.")]
    assert left.name.endswith(".tmp.npz") and left.read_bytes() == b"half"
    # Written to a moment ago: perhaps still being written, so kept.
    assert leftovers.remove_leftover_temporaries([tmp_path / "resources", tmp_path / "results"]) == []
    old = time.time() - leftovers.QUIET_SECONDS - 1
    os.utime(left, (old, old))
    os.utime(resources / ".gitkeep", (old, old))
    assert leftovers.remove_leftover_temporaries([resources]) == [left]
    assert sorted(path.name for path in resources.iterdir()) == [".gitkeep", "mnist.npz"]
