"""Getting a dataset onto disk and into tensors: download, verify, decode, cache.

Fashion-MNIST and CIFAR-10 are stored exactly as torchvision stores them, under one *root*
(raw.py says which):

    root/FashionMNIST/raw/train-images-idx3-ubyte.gz   (+ the uncompressed copies torchvision reads)
    root/cifar-10-batches-py/data_batch_1 ... test_batch, batches.meta
    root/dlbook-cache/fashion_mnist-train.pt           (our decoded uint8 tensors; safe to delete)

Every file is checked against its MD5 before it is decoded: torchvision's published checksums
for real data, the manifest its writer recorded for synthetic data (fake.py; such data is never
downloaded). A mismatch means the file was damaged: the error says which file to delete instead
of training on it. What differs between the datasets is in their specs (specs.py) and their
file formats (formats.py); nothing here asks which dataset it has.

torchvision is imported inside the functions that need it, so importing this module is cheap.
"""

import hashlib
import pickle
from pathlib import Path

import torch

from helpers.data.formats import format_of
from helpers.data.raw import MANIFEST, data_root, md5_of, read_manifest
from helpers.data.specs import (
    CIFAR10,
    FASHION_MNIST,
    CorruptDataError,
    DatasetNotAvailableError,
    DatasetSpec,
    all_files,
)
from helpers.files import atomic_write

CACHE_DIR = "dlbook-cache"
CACHE_FORMAT = 1


def expected_md5(spec: DatasetSpec, root) -> dict:
    """File name -> the MD5 it must have: the manifest's for synthetic data, else torchvision's."""
    folder = data_root(root) / spec.folder
    manifest = read_manifest(folder)
    if manifest is None:
        return format_of(spec).official_md5(spec)
    missing = [f for f in all_files(spec) if f not in manifest]
    if missing:
        raise CorruptDataError(
            f"{folder / MANIFEST} lists no checksum for {missing}: delete "
            f"{folder} and rewrite the synthetic data (helpers.data.fake)"
        )
    return manifest


def ensure_raw_files(spec: DatasetSpec, root=None, download: bool = True) -> Path:
    """Make sure every file of `spec` is under `root` (downloading what is missing); return root.

    Only presence is checked here; `verify_raw_files` checks the contents.
    """
    root = data_root(root)
    folder = root / spec.folder
    fmt = format_of(spec)
    missing = [
        f
        for f in all_files(spec)
        if not (folder / f).is_file() and not fmt.unpacked_only(folder, f)
    ]
    if not missing:
        return root
    if read_manifest(folder) is not None:
        raise DatasetNotAvailableError(
            f"The synthetic {spec.title} in {folder} lacks {missing}: delete {folder} and "
            "rewrite it with helpers.data.fake (synthetic data is never downloaded)"
        )
    if not download:
        raise DatasetNotAvailableError(
            f"{spec.title} files {missing} are missing from {folder}.\n"
            + fmt.download_hint(spec, root)
        )
    fmt.download(spec, root, missing)
    return root


def verify_raw_files(spec: DatasetSpec, root, files) -> None:
    """Raise CorruptDataError naming the first of `files` whose MD5 is not the expected one.

    A file present only uncompressed has no published MD5; decoding checks its structure.
    """
    folder = data_root(root) / spec.folder
    expected = expected_md5(spec, root)
    for name in files:
        if format_of(spec).unpacked_only(folder, name):
            continue
        if md5_of(folder / name) != expected[name]:
            origin = (
                "the checksum its writer recorded"
                if read_manifest(folder) is not None
                else "torchvision's published checksum"
            )
            raise CorruptDataError(
                f"{folder / name} is corrupt (its MD5 differs from {origin}): delete it and "
                "rerun to fetch it again (synthetic data: rewrite it with helpers.data.fake)"
            )


def prepare(spec: DatasetSpec, root=None, download: bool = True) -> Path:
    """Download what is missing, verify every file, and bring the format's derived files up to
    date (Fashion-MNIST's uncompressed copies). What the DataLoader path runs before handing the
    folder to torchvision."""
    root = ensure_raw_files(spec, root, download)
    verify_raw_files(spec, root, all_files(spec))
    format_of(spec).after_verify(spec, root)
    return root


# ------------------------------------------------------------------------ decoded-tensor cache
def cache_path(spec: DatasetSpec, split: str, root=None) -> Path:
    return data_root(root) / CACHE_DIR / f"{spec.name}-{split}.pt"


def _stamps(spec: DatasetSpec, root: Path, split: str) -> dict:
    """(size, mtime_ns) of every raw file a split reads: any change invalidates the cache."""
    folder = root / spec.folder
    out = {}
    for name in format_of(spec).stamped_names(spec, split):
        st = (folder / name).stat() if (folder / name).is_file() else None
        out[name] = [st.st_size, st.st_mtime_ns] if st else None
    return out


def _digest(images: torch.Tensor, labels: torch.Tensor) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    digest.update(images.contiguous().numpy().data)
    digest.update(labels.contiguous().numpy().data)
    return digest.hexdigest()


def _read_cache(path: Path):
    try:
        cached = torch.load(path, map_location="cpu", weights_only=True)
        fields = (cached["format"], cached["sources"], cached["md5"], cached["digest"])
        images, labels = cached["images"], cached["labels"]
    except (
        RuntimeError,
        EOFError,
        OSError,
        ValueError,
        KeyError,
        TypeError,
        pickle.UnpicklingError,
    ) as err:
        raise CorruptDataError(
            f"The decoded-data cache {path} is unreadable ({err}): delete it "
            "and rerun (it is rebuilt from the raw files)"
        ) from err
    return fields, images, labels


def load_decoded(spec: DatasetSpec, split: str, root=None, download: bool = True):
    """One split as `(images, labels)`: uint8 (N, C, H, W) and int64 (N,) CPU tensors.

    The first call downloads if needed, verifies MD5s, decodes, and saves
    `root/dlbook-cache/<dataset>-<split>.pt`; later calls read that file, after checking that
    the raw files' sizes and mtimes are unchanged and that the tensors hash to what was saved.
    """
    if split not in spec.splits:
        raise ValueError(f"split must be one of {sorted(spec.splits)}, got {split!r}")
    root = ensure_raw_files(spec, root, download)
    path = cache_path(spec, split, root)
    expected = expected_md5(spec, root)
    if path.is_file():
        (fmt, sources, md5, digest), images, labels = _read_cache(path)
        fresh = fmt == CACHE_FORMAT and sources == _stamps(spec, root, split) and md5 == expected
        if fresh:
            if _digest(images, labels) != digest:
                raise CorruptDataError(
                    f"The decoded-data cache {path} is corrupt (its tensors "
                    "do not match their saved hash): delete it and rerun"
                )
            return images, labels
    verify_raw_files(spec, root, spec.splits[split])
    images, labels = format_of(spec).decode(spec, root, split)
    bad = (labels < 0) | (labels >= len(spec.classes))
    if bool(bad.any()):
        raise CorruptDataError(
            f"{spec.title} {split} labels outside 0..{len(spec.classes) - 1} in "
            f"{root / spec.folder}:"
            " delete the folder and rerun"
        )
    record = {
        "format": CACHE_FORMAT,
        "sources": _stamps(spec, root, split),
        "md5": expected,
        "digest": _digest(images, labels),
        "images": images,
        "labels": labels,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: torch.save(record, tmp))
    return images, labels


# --------------------------------------------------------------------- torchvision's classes
def torchvision_fashion_mnist(root=None, train: bool = True, transform=None, download=True):
    """torchvision's `FashionMNIST` over our verified root (downloads through `prepare`)."""
    from torchvision.datasets import FashionMNIST

    root = prepare(FASHION_MNIST, root, download)
    return FashionMNIST(str(root), train=train, transform=transform, download=False)


def torchvision_cifar10(root=None, train: bool = True, transform=None, download=True):
    """torchvision's `CIFAR10` over our verified root.

    For synthetic data (a manifest is present) this is a subclass that differs from CIFAR10 only
    in its checksum table, which comes from the manifest: torchvision's CIFAR10 checks every
    file against the MD5s of the real dataset and would refuse the synthetic files.
    """
    from torchvision.datasets import CIFAR10 as TorchvisionCIFAR10

    root = prepare(CIFAR10, root, download)
    manifest = read_manifest(root / CIFAR10.folder)
    cls = TorchvisionCIFAR10
    if manifest is not None:
        cls = type(
            "LocallyVerifiedCIFAR10",
            (TorchvisionCIFAR10,),
            {
                "train_list": [[n, manifest[n]] for n, _ in TorchvisionCIFAR10.train_list],
                "test_list": [[n, manifest[n]] for n, _ in TorchvisionCIFAR10.test_list],
                "meta": {**TorchvisionCIFAR10.meta, "md5": manifest["batches.meta"]},
            },
        )
    return cls(str(root), train=train, transform=transform, download=False)
