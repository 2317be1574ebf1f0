"""MNIST as the runs use it: the verified file's checksum, and loading it as row sequences.

Training imports this module, so its code is part of every run's fingerprint; fetching the file
(``fetch``) is not: the file is judged by its checksum, not by the code that fetched it.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

# sha256 over the bytes of x_train, y_train, x_test, y_test (C order, uint8): the same for every source.
ARRAYS_SHA256 = "06b0d1f124c4e5fa796686ade41a9b778edacc8622f2195a352ef479ad44fc16"
ARRAY_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}


class DataVerificationError(ValueError):
    """A dataset failed its checksum or shape check."""


def arrays_sha256(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in ARRAY_SHAPES:
        digest.update(np.ascontiguousarray(arrays[name], dtype=np.uint8).tobytes())
    return digest.hexdigest()


def verify_arrays(arrays: dict[str, np.ndarray], origin: str) -> str:
    """Return the arrays' sha256; raise DataVerificationError unless ``arrays`` are exactly MNIST."""
    missing = [name for name in ARRAY_SHAPES if name not in arrays]
    if missing:
        raise DataVerificationError(f"{origin}: missing arrays {missing}; expected {list(ARRAY_SHAPES)}")
    for name, shape in ARRAY_SHAPES.items():
        array = arrays[name]
        if array.shape != shape or array.dtype != np.uint8:
            raise DataVerificationError(
                f"{origin}: {name} has shape {array.shape} and dtype {array.dtype}; "
                f"expected shape {shape} and dtype uint8"
            )
    found = arrays_sha256(arrays)
    if found != ARRAYS_SHA256:
        raise DataVerificationError(
            f"{origin}: checksum mismatch over x_train, y_train, x_test, y_test: "
            f"expected sha256 {ARRAYS_SHA256}, found {found}"
        )
    return found


def read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DataVerificationError(
            f"{path}: not a readable .npz ({type(error).__name__}: {error}); expected an .npz "
            f"holding {', '.join(ARRAY_SHAPES)} (a truncated or interrupted download looks like this)"
        ) from error


def verify_file(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], str]:
    """The arrays in the MNIST file at ``path`` and their sha256, after checking they are exactly MNIST;
    a DataVerificationError says what is wrong and how to get a verified copy."""
    if not Path(path).exists():
        raise FileNotFoundError(f"MNIST file {str(path)!r} not found; run the fetch_mnist rule first")
    fix = f"Delete {path} and run the workflow again to fetch a verified copy."
    try:
        arrays = read_npz(Path(path))
        return arrays, verify_arrays(arrays, str(path))
    except DataVerificationError as error:
        raise DataVerificationError(f"{error}. {fix}") from error


def load_mnist_sequences(path: str | os.PathLike, train_subset: int = 0, test_subset: int = 0):
    """Load ``path`` as the article did: images as 28 rows of 28 features in [0, 1], one-hot labels.

    A subset size of 0 means all; otherwise the first N images are used.
    Returns (x_train, y_train, x_test, y_test, arrays_sha256).
    """
    arrays, checksum = verify_file(path)

    def prepare(images, labels, subset):
        if subset:
            images, labels = images[:subset], labels[:subset]
        x = images.reshape(-1, 28, 28).astype("float32") / 255.0
        y = np.eye(10, dtype="float32")[labels]
        return x, y

    x_train, y_train = prepare(arrays["x_train"], arrays["y_train"], train_subset)
    x_test, y_test = prepare(arrays["x_test"], arrays["y_test"], test_subset)
    return x_train, y_train, x_test, y_test, checksum
