"""The names of conda-forge's packages, for checking environment.yml's conda part where no conda channel is
reachable (CI reaches PyPI only): every output registered in conda-forge's feedstock-outputs registry, one
name per line under a line naming the registry's commit, gzipped without a timestamp so that the same
registry gives the same bytes.

Usage: python workflow/scripts/conda_forge_names.py FEEDSTOCK_OUTPUTS [OUTPUT]
FEEDSTOCK_OUTPUTS: a clone (or bare git directory) of https://github.com/conda-forge/feedstock-outputs; its
HEAD is read. OUTPUT: default workflow/envs/conda-forge-names.txt.gz, which rnn_replication.pipeline.conda
reads. Run it again when environment.yml needs a package conda-forge registered since.
"""

import subprocess
import sys
from pathlib import Path

from rnn_replication.core.runs import repository_root
from rnn_replication.pipeline.conda import CHANNEL_NAME_FILES, write_channel_names


def git(registry: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(registry), *arguments], check=True, capture_output=True, text=True
    ).stdout


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    registry = Path(sys.argv[1])
    if (registry / ".git").exists():
        registry = registry / ".git"
    commit, date = git(registry, "log", "-1", "--format=%H %cs", "HEAD").split()
    # outputs/<shard>/<shard>/<shard>/<name>.json: one file per package name
    paths = git(registry, "ls-tree", "-r", "--name-only", "HEAD", "outputs").splitlines()
    names = sorted({Path(path).stem for path in paths if path.endswith(".json")})
    if not names:
        sys.exit(f"{registry}: no outputs/**/NAME.json at HEAD; not a clone of conda-forge/feedstock-outputs")
    source = f"github.com/conda-forge/feedstock-outputs at {commit} ({date})"
    default = repository_root() / CHANNEL_NAME_FILES["conda-forge"]
    path = write_channel_names(Path(sys.argv[2]) if len(sys.argv) == 3 else default, source, names)
    print(f"wrote {path}: {len(names)} names from {source}")
