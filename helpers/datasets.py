"""Kept for code written against the old path: `helpers.datasets` is now `helpers.data`
(specs.py, raw.py, formats.py, datasets.py).

Benchmarks and instructions outside this repository import from here; new code imports the
module that defines the name.
"""

from helpers.data.datasets import (
    ensure_raw_files,
    expected_md5,
    load_decoded,
    prepare,
    torchvision_cifar10,
    torchvision_fashion_mnist,
    verify_raw_files,
)
from helpers.data.raw import MANIFEST, data_root, md5_of, read_manifest
from helpers.data.specs import (
    CIFAR10,
    CIFAR10_CLASSES,
    FASHION_MNIST,
    FASHION_MNIST_CLASSES,
    CorruptDataError,
    DataError,
    DatasetNotAvailableError,
    DatasetSpec,
    all_files,
)

__all__ = [
    "CIFAR10",
    "CIFAR10_CLASSES",
    "FASHION_MNIST",
    "FASHION_MNIST_CLASSES",
    "MANIFEST",
    "CorruptDataError",
    "DataError",
    "DatasetNotAvailableError",
    "DatasetSpec",
    "all_files",
    "data_root",
    "ensure_raw_files",
    "expected_md5",
    "load_decoded",
    "md5_of",
    "prepare",
    "read_manifest",
    "torchvision_cifar10",
    "torchvision_fashion_mnist",
    "verify_raw_files",
]
