"""Small synthetic Fashion-MNIST and CIFAR-10, written in the exact files torchvision reads.

For offline work and tests: no download, same code paths as the real data.

    from helpers.data.fake import write_fake_fashion_mnist
    write_fake_fashion_mnist("/tmp/fake-data", n_train=1000, n_test=200)
    train_iter, test_iter = load_data_fashion_mnist(256, root="/tmp/fake-data")

Each class c has a fixed random low-resolution template; an image is its class template, upscaled
to full size, with a random brightness (70-100%) and uniform per-pixel noise (+-40 of 255). A
linear model learns them well (>90% test accuracy), so a training loop visibly works.

Checksums: torchvision publishes MD5s of the *real* files. Fashion-MNIST's loader only checks them
while downloading (it trusts unpacked files it finds), but CIFAR10 checks every file on every
load and rejects anything else. So each writer records the MD5s of what it wrote in
`dlbook-synthetic.json` beside the files, and returns them; `helpers.data.datasets` verifies synthetic
data against that manifest (and builds a CIFAR10 subclass carrying those checksums for the
DataLoader path). Real data never has a manifest, so it is always checked against torchvision's.
"""

import gzip
import hashlib
import io
import json
import pickle
from pathlib import Path
from typing import ClassVar

import numpy as np

from helpers.data.raw import MANIFEST
from helpers.data.specs import CIFAR10, FASHION_MNIST, DatasetSpec, all_files
from helpers.files import atomic_write


def _class_images(rng, labels, shape, cells: int) -> np.ndarray:
    """uint8 images (N, *shape): class template (cells x cells, upscaled) * brightness + noise.

    Integer arithmetic in int16 throughout: drawing 47M Gaussian floats takes seconds.
    """
    channels, height, width = shape
    templates = rng.integers(0, 201, size=(10, channels, cells, cells), dtype=np.int16)
    templates = templates.repeat(height // cells, axis=2).repeat(width // cells, axis=3)
    images = templates[labels]  # (N, C, H, W) in 0..200
    images *= rng.integers(70, 101, size=(len(labels), 1, 1, 1), dtype=np.int16)  # brightness, %
    images //= 100
    images += rng.integers(-40, 41, size=images.shape, dtype=np.int16)  # pixel noise
    return np.clip(images, 0, 255, out=images).astype(np.uint8)


def _prepare_folder(folder: Path, dataset_files) -> None:
    """Create `folder`, refusing to overwrite real (manifest-less) data."""
    real = [f for f in dataset_files if (folder / f).exists()]
    if real and not (folder / MANIFEST).is_file():
        raise FileExistsError(
            f"{folder} already holds real data ({real[0]}, ...): pick another "
            "root for synthetic data"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)  # until the new files are all written


def _write(path: Path, data: bytes) -> str:
    """Write `data` atomically and return its MD5 (what the manifest records)."""
    atomic_write(path, data)
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _write_manifest(folder: Path, writer: str, md5: dict, **details) -> None:
    manifest = {
        "synthetic": True,
        "written_by": f"helpers.data.fake.{writer}",
        **details,
        "md5": md5,
    }
    # Written last, and atomically: a folder with a manifest holds a complete dataset.
    atomic_write(folder / MANIFEST, json.dumps(manifest, indent=1))


def _idx(array: np.ndarray) -> bytes:
    """IDX bytes: magic 0x0000 08 <ndim> (2051 for images, 2049 for labels), big-endian dims."""
    header = (0x0800 + array.ndim).to_bytes(4, "big")
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_fake_fashion_mnist(root, n_train: int = 1000, n_test: int = 200, seed: int = 0) -> dict:
    """Write a synthetic Fashion-MNIST under `root/FashionMNIST/raw/`; return {file: MD5}.

    Writes the four gzipped IDX files torchvision downloads (train-images-idx3-ubyte.gz, ...)
    and their uncompressed copies, which torchvision's FashionMNIST looks for and reads.
    `torchvision.datasets.FashionMNIST(root, download=False)` then loads them as it would the
    real ones, and so do `load_data_fashion_mnist(..., root=root)` and the DataLoader path.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be at least 1, got {n_train}, {n_test}")
    rng = np.random.default_rng(seed)
    folder = Path(root).expanduser() / FASHION_MNIST.folder
    names = all_files(FASHION_MNIST)
    _prepare_folder(folder, names + tuple(n[:-3] for n in names))
    y = rng.integers(0, 10, size=n_train + n_test)
    x = _class_images(rng, y, (1, 28, 28), cells=7)[:, 0]  # (N, 28, 28)
    arrays = {
        "train-images-idx3-ubyte": x[:n_train],
        "train-labels-idx1-ubyte": y[:n_train],
        "t10k-images-idx3-ubyte": x[n_train:],
        "t10k-labels-idx1-ubyte": y[n_train:],
    }
    md5 = {}
    for name, array in arrays.items():
        raw = _idx(array)
        _write(folder / name, raw)
        md5[name + ".gz"] = _write(folder / (name + ".gz"), gzip.compress(raw, mtime=0))
    _write_manifest(
        folder, "write_fake_fashion_mnist", md5, n_train=n_train, n_test=n_test, seed=seed
    )
    return md5


class _Python2Pickler(pickle._Pickler):
    """Pickles `bytes` as Python 2 `str` (the opcodes of the real CIFAR files).

    The real batches were pickled by Python 2: loaded with encoding="bytes" their keys are
    b"data", b"labels"; with encoding="latin1" (torchvision) they are "data", "labels". A Python 3
    pickle of bytes would not decode that way, so we use the pure-Python pickler and change how
    it writes bytes, and name numpy's array constructor as the real files do.
    """

    dispatch: ClassVar[dict] = dict(pickle._Pickler.dispatch)

    def save_py2_str(self, obj: bytes) -> None:
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + n.to_bytes(4, "little") + obj)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str

    def save_global(self, obj, name=None):
        if getattr(obj, "__name__", None) == "_reconstruct" and "numpy" in str(obj.__module__):
            self.write(pickle.GLOBAL + b"numpy.core.multiarray\n_reconstruct\n")
            self.memoize(obj)
            return
        super().save_global(obj, name)


def _py2_pickle(obj) -> bytes:
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def write_fake_cifar10(root, n_train: int = 1000, n_test: int = 200, seed: int = 0) -> dict:
    """Write a synthetic CIFAR-10 under `root/cifar-10-batches-py/`; return {file: MD5}.

    Files and layout are the real ones: data_batch_1..5 (the training images split evenly),
    test_batch, batches.meta; each batch a Python 2 pickle of {b"batch_label", b"labels" (list of
    int), b"data" (uint8 (n, 3072): 1024 red, then green, then blue values, rows top to bottom),
    b"filenames"}. torchvision's own CIFAR10 rejects them (their MD5s are not the real ones);
    `helpers.data.datasets.torchvision_cifar10` loads them with the checksums recorded here.
    """
    if n_train < 5 or n_test < 1:
        raise ValueError(
            f"n_train must be at least 5 (five batches) and n_test at least 1, "
            f"got {n_train}, {n_test}"
        )
    rng = np.random.default_rng(seed)
    folder = Path(root).expanduser() / CIFAR10.folder
    _prepare_folder(folder, all_files(CIFAR10))
    y = rng.integers(0, 10, size=n_train + n_test)
    x = _class_images(rng, y, (3, 32, 32), cells=8).reshape(len(y), 3072)  # (N, 3072)
    md5 = {}
    train_parts = np.array_split(np.arange(n_train), 5)
    batches = [
        (f"data_batch_{i + 1}", f"training batch {i + 1} of 5", part)
        for i, part in enumerate(train_parts)
    ]
    batches.append(("test_batch", "testing batch 1 of 1", np.arange(n_train, n_train + n_test)))
    for name, label, index in batches:
        batch = {
            b"batch_label": label.encode(),
            b"labels": [int(v) for v in y[index]],
            b"data": x[index],
            b"filenames": [f"fake_{i:06d}.png".encode() for i in index],
        }
        md5[name] = _write(folder / name, _py2_pickle(batch))
    meta = {
        b"num_cases_per_batch": len(train_parts[0]),
        b"num_vis": 3072,
        b"label_names": [c.encode() for c in CIFAR10.classes],
    }
    md5["batches.meta"] = _write(folder / "batches.meta", _py2_pickle(meta))
    _write_manifest(folder, "write_fake_cifar10", md5, n_train=n_train, n_test=n_test, seed=seed)
    return md5


WRITERS = {FASHION_MNIST.name: write_fake_fashion_mnist, CIFAR10.name: write_fake_cifar10}


def write_fake(spec: DatasetSpec, root, **sizes) -> dict:
    """The synthetic version of `spec` under `root` (n_train, n_test, seed as for its writer)."""
    return WRITERS[spec.name](root, **sizes)
