"""Where the datasets live, how they get there, and how they are checked and decoded.

Fashion-MNIST and CIFAR-10 are stored exactly as torchvision stores them, under one *root*:

    root/FashionMNIST/raw/train-images-idx3-ubyte.gz   (+ the uncompressed copies torchvision reads)
    root/cifar-10-batches-py/data_batch_1 ... test_batch, batches.meta
    root/dlbook-cache/fashion_mnist-train.pt           (our decoded uint8 tensors; safe to delete)

`data_root()` picks the root: the `root=` argument, else `$DLBOOK_DATA`, else a per-user cache
(`$XDG_CACHE_HOME/dlbook/data`, default `~/.cache/dlbook/data`). Downloads go through
torchvision's own machinery (MD5-checked, with a progress bar), land under a `.part` name, are
retried, and are renamed only once their checksum matches; so any file under its final name was
complete when written, and a later mismatch means the file was damaged: we say which file to
delete instead of training on it.

A Fashion-MNIST folder holding only the four uncompressed files torchvision reads
(train-images-idx3-ubyte, ...; say, copied from another torchvision install) is used as it is,
without a download: torchvision publishes no checksum for those, so they are checked by their
IDX headers and sizes when decoded instead of by MD5.

Synthetic datasets (`helpers.fake_data`) cannot match torchvision's published MD5s. Their writer
records the checksums it produced in `dlbook-synthetic.json` beside the files; when that manifest
is present we verify against it instead ("locally verified" data) and never try to download.

torchvision is imported inside the functions that need it, so importing this module is cheap.
"""

import gzip
import hashlib
import http.client
import json
import os
import pickle
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .files import atomic_write

ENV_VAR = "DLBOOK_DATA"
MANIFEST = "dlbook-synthetic.json"
CACHE_DIR = "dlbook-cache"
CACHE_FORMAT = 1
# Seconds to wait before the 2nd and 3rd download attempts (tests set this to zeros).
RETRY_DELAYS_S = (2.0, 5.0)

FASHION_MNIST_CLASSES = (
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)


class DataError(RuntimeError):
    """Base class of the data errors below (a RuntimeError, like torchvision's own)."""


class DatasetNotAvailableError(DataError):
    """The raw files are missing and could not be downloaded (offline, proxy, server down)."""


class CorruptDataError(DataError):
    """A file is present but damaged: wrong checksum, truncated archive, bad pickle or cache."""


NUM_CLASSES = 10  # Fashion-MNIST and CIFAR-10 both label ten classes, 0..9


@dataclass(frozen=True)
class DatasetSpec:
    """The files one dataset needs, relative to the root, per split."""

    name: str  # key used in cache names: "fashion_mnist"
    title: str  # for messages: "Fashion-MNIST"
    folder: str  # folder holding the files, relative to the root
    splits: dict  # split -> tuple of file names (checked by MD5)


FASHION_MNIST = DatasetSpec(
    "fashion_mnist",
    "Fashion-MNIST",
    "FashionMNIST/raw",
    {
        "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    },
)
# batches.meta is not needed to decode, but torchvision's CIFAR10 refuses to load without it.
CIFAR10 = DatasetSpec(
    "cifar10",
    "CIFAR-10",
    "cifar-10-batches-py",
    {
        "train": tuple(f"data_batch_{i}" for i in range(1, 6)) + ("batches.meta",),
        "test": ("test_batch", "batches.meta"),
    },
)


# ---------------------------------------------------------------------------------- the root
def data_root(root=None) -> Path:
    """The dataset root: `root` if given, else `$DLBOOK_DATA`, else `~/.cache/dlbook/data`.

    The default honours `$XDG_CACHE_HOME`. Nothing is created here; downloads create folders.
    """
    if root is None:
        root = os.environ.get(ENV_VAR) or None  # an empty variable counts as unset
    if root is None:
        cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(cache) / "dlbook" / "data"
    return Path(root).expanduser().absolute()


def unpacked_only(spec: DatasetSpec, folder: Path, name: str) -> bool:
    """True if `name` (a Fashion-MNIST .gz) is absent but its uncompressed copy is present."""
    return (
        spec is FASHION_MNIST
        and name.endswith(".gz")
        and not (folder / name).is_file()
        and (folder / name[:-3]).is_file()
    )


def all_files(spec: DatasetSpec) -> tuple:
    """Every file of `spec`, each once, in a stable order."""
    return tuple(dict.fromkeys(f for files in spec.splits.values() for f in files))


def md5_of(path) -> str:
    """Hex MD5 of a file, read in 1 MiB chunks (the checksum torchvision publishes)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _official_md5(spec: DatasetSpec) -> dict:
    """File name -> MD5, as published in torchvision's dataset classes."""
    from torchvision import datasets as tvd

    if spec is FASHION_MNIST:
        return dict(tvd.FashionMNIST.resources)
    table = dict(tvd.CIFAR10.train_list + tvd.CIFAR10.test_list)
    table[tvd.CIFAR10.meta["filename"]] = tvd.CIFAR10.meta["md5"]
    return table


def read_manifest(folder: Path):
    """The checksums a fake-data writer recorded in `folder`, or None for real data."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text())
        return {str(k): str(v) for k, v in manifest["md5"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise CorruptDataError(
            f"{path} is not a valid synthetic-data manifest ({err}): delete {path.parent} and "
            "rewrite the synthetic data (helpers.fake_data)"
        ) from err


def expected_md5(spec: DatasetSpec, root) -> dict:
    """File name -> the MD5 it must have: the manifest's for synthetic data, else torchvision's."""
    folder = data_root(root) / spec.folder
    manifest = read_manifest(folder)
    if manifest is None:
        return _official_md5(spec)
    missing = [f for f in all_files(spec) if f not in manifest]
    if missing:
        raise CorruptDataError(
            f"{folder / MANIFEST} lists no checksum for {missing}: delete "
            f"{folder} and rewrite the synthetic data (helpers.fake_data)"
        )
    return manifest


# ------------------------------------------------------------------------------- downloading
def _download_hint(spec: DatasetSpec, root: Path) -> str:
    """Where to get the files by hand and exactly where to put them."""
    from torchvision import datasets as tvd

    folder = root / spec.folder
    if spec is FASHION_MNIST:
        urls = "\n".join(f"  {tvd.FashionMNIST.mirrors[0]}{f}" for f in all_files(spec))
        return (
            f"Download these files on a machine with internet access:\n{urls}\n"
            f"and put them, with these exact names, in the folder\n  {folder}\nthen rerun."
        )
    names = ", ".join(all_files(spec))
    return (
        f"Download {tvd.CIFAR10.url} on a machine with internet access and either put it in\n"
        f"  {root}\n(it is unpacked on the next run) or unpack it there yourself, so that "
        f"{names} are in\n  {folder}\nthen rerun."
    )


def _fetch(spec: DatasetSpec, root: Path, urls, folder: Path, filename: str, md5: str) -> None:
    """Download `filename` into `folder` from the first of `urls` that works; retry on failure.

    torchvision's `download_url` shows a progress bar and raises RuntimeError when the MD5 of
    what arrived is wrong (a partial or garbled download); the file is written as `.part` and
    renamed only after it verified, so an interrupted download never looks complete.
    """
    from torchvision.datasets.utils import download_url

    errors = []
    for attempt in range(len(RETRY_DELAYS_S) + 1):
        for url in urls:
            try:
                download_url(url, str(folder), filename=filename + ".part", md5=md5)
            # URLError is an OSError; RuntimeError is torchvision's "File not found or corrupted."
            except (OSError, RuntimeError, http.client.HTTPException) as err:
                errors.append(f"attempt {attempt + 1}, {url}: {err!r}")
                continue
            os.replace(folder / (filename + ".part"), folder / filename)
            return
        if attempt < len(RETRY_DELAYS_S):
            time.sleep(RETRY_DELAYS_S[attempt])
    raise DatasetNotAvailableError(
        f"Could not download {spec.title} file {filename} ({len(errors)} tries; last error: "
        f"{errors[-1]}).\n{_download_hint(spec, root)}"
    )


def ensure_raw_files(spec: DatasetSpec, root=None, download: bool = True) -> Path:
    """Make sure every file of `spec` is under `root` (downloading what is missing); return root.

    Only presence is checked here; `verify_raw_files` checks the contents.
    """
    root = data_root(root)
    folder = root / spec.folder
    missing = [
        f
        for f in all_files(spec)
        if not (folder / f).is_file() and not unpacked_only(spec, folder, f)
    ]
    if not missing:
        return root
    if read_manifest(folder) is not None:
        raise DatasetNotAvailableError(
            f"The synthetic {spec.title} in {folder} lacks {missing}: delete {folder} and "
            "rewrite it with helpers.fake_data (synthetic data is never downloaded)"
        )
    if not download:
        raise DatasetNotAvailableError(
            f"{spec.title} files {missing} are missing from {folder}.\n"
            + _download_hint(spec, root)
        )
    from torchvision import datasets as tvd
    from torchvision.datasets.utils import extract_archive

    if spec is FASHION_MNIST:
        folder.mkdir(parents=True, exist_ok=True)
        md5 = _official_md5(spec)
        for name in missing:
            urls = [mirror + name for mirror in tvd.FashionMNIST.mirrors]
            _fetch(spec, root, urls, folder, name, md5[name])
        return root
    # CIFAR-10 ships as one archive that unpacks into cifar-10-batches-py/.
    archive = root / tvd.CIFAR10.filename
    root.mkdir(parents=True, exist_ok=True)
    if not archive.is_file():
        _fetch(spec, root, [tvd.CIFAR10.url], root, tvd.CIFAR10.filename, tvd.CIFAR10.tgz_md5)
    elif md5_of(archive) != tvd.CIFAR10.tgz_md5:
        raise CorruptDataError(
            f"{archive} is corrupt (wrong MD5): delete it and rerun to download it again"
        )
    extract_archive(str(archive), str(root))
    return root


def verify_raw_files(spec: DatasetSpec, root, files) -> None:
    """Raise CorruptDataError naming the first of `files` whose MD5 is not the expected one.

    A file present only uncompressed has no published MD5; decoding checks its structure.
    """
    folder = data_root(root) / spec.folder
    expected = expected_md5(spec, root)
    for name in files:
        if unpacked_only(spec, folder, name):
            continue
        if md5_of(folder / name) != expected[name]:
            origin = (
                "the checksum its writer recorded"
                if read_manifest(folder) is not None
                else "torchvision's published checksum"
            )
            raise CorruptDataError(
                f"{folder / name} is corrupt (its MD5 differs from {origin}): delete it and "
                "rerun to fetch it again (synthetic data: rewrite it with helpers.fake_data)"
            )


def prepare(spec: DatasetSpec, root=None, download: bool = True) -> Path:
    """Download what is missing, verify every file, and (Fashion-MNIST) sync the unpacked copies.

    This is what the DataLoader path runs before handing the folder to torchvision.
    """
    root = ensure_raw_files(spec, root, download)
    verify_raw_files(spec, root, all_files(spec))
    if spec is FASHION_MNIST:
        for name in all_files(spec):
            _raw_idx_bytes(root / spec.folder / name)
    return root


# ---------------------------------------------------------------------------------- decoding
def _gunzip(path: Path) -> bytes:
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
        raise CorruptDataError(
            f"{path} is not a complete gzip file ({err}): delete it and rerun"
        ) from err


def _sync_unpacked(gz_path: Path) -> bytes:
    """Return the bytes inside `gz_path` and make the uncompressed copy beside it equal to them.

    torchvision's FashionMNIST reads only the uncompressed files (and does not checksum them);
    rewriting them from the verified archive keeps both data paths on identical bytes.
    """
    data = _gunzip(gz_path)
    plain = gz_path.with_suffix("")  # drop ".gz"
    if not plain.is_file() or plain.stat().st_size != len(data) or plain.read_bytes() != data:
        atomic_write(plain, data)
    return data


def _raw_idx_bytes(gz_path: Path) -> tuple:
    """(IDX bytes, the file they came from) for a Fashion-MNIST file: from the verified .gz
    (syncing the uncompressed copy torchvision reads), or from the uncompressed file alone when
    that is all there is."""
    plain = gz_path.with_suffix("")
    if not gz_path.is_file() and plain.is_file():
        return plain.read_bytes(), plain
    return _sync_unpacked(gz_path), gz_path


def parse_idx(data: bytes, ndim: int, where) -> np.ndarray:
    """Decode an IDX file holding uint8 values (magic 0x0000 08 <ndim>, big-endian uint32 dims)."""
    magic = int.from_bytes(data[:4], "big")
    if magic != 0x0800 + ndim or len(data) < 4 * (ndim + 1):
        raise CorruptDataError(
            f"{where} is not an IDX file of {ndim}-D uint8 (magic {magic}, "
            f"expected {0x0800 + ndim}): delete it and rerun"
        )
    dims = [int.from_bytes(data[4 * i : 4 * i + 4], "big") for i in range(1, ndim + 1)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 * (ndim + 1))
    if body.size != int(np.prod(dims)):
        raise CorruptDataError(
            f"{where} holds {body.size} values, its header says {dims}: delete it and rerun"
        )
    return body.reshape(dims)


def _decode_fashion_mnist(root: Path, split: str):
    folder = root / FASHION_MNIST.folder
    image_gz, label_gz = (folder / f for f in FASHION_MNIST.splits[split])
    (image_bytes, image_file), (label_bytes, label_file) = map(_raw_idx_bytes, (image_gz, label_gz))
    images = parse_idx(image_bytes, 3, image_file)  # (N, 28, 28)
    labels = parse_idx(label_bytes, 1, label_file)  # (N,)
    if len(images) != len(labels):
        raise CorruptDataError(
            f"{image_file} has {len(images)} images but {label_file} has "
            f"{len(labels)} labels: delete both and rerun"
        )
    return torch.from_numpy(images.copy()).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def _decode_cifar10(root: Path, split: str):
    images, labels = [], []
    for name in CIFAR10.splits[split]:
        if name == "batches.meta":
            continue
        path = root / CIFAR10.folder / name
        try:
            with open(path, "rb") as f:
                # Python 2 pickles: encoding="bytes" keeps their str keys as bytes (b"data").
                batch = pickle.load(f, encoding="bytes")
            data = np.asarray(batch[b"data"], dtype=np.uint8)  # (n, 3072): R plane, G, B
            target = np.asarray(batch[b"labels"], dtype=np.int64)
        except (
            pickle.UnpicklingError,
            EOFError,
            KeyError,
            TypeError,
            ValueError,
            AttributeError,
            ImportError,
            IndexError,
        ) as err:
            raise CorruptDataError(
                f"{path} is not a readable CIFAR-10 batch ({err!r}): delete it and rerun"
            ) from err
        if data.ndim != 2 or data.shape[1] != 3072 or len(target) != len(data):
            raise CorruptDataError(
                f"{path} holds data of shape {data.shape} and {len(target)} "
                "labels, expected (n, 3072) and n: delete it and rerun"
            )
        images.append(data.reshape(-1, 3, 32, 32))
        labels.append(target)
    return torch.from_numpy(np.concatenate(images)), torch.from_numpy(np.concatenate(labels))


# ------------------------------------------------------------------------ decoded-tensor cache
def cache_path(spec: DatasetSpec, split: str, root=None) -> Path:
    return data_root(root) / CACHE_DIR / f"{spec.name}-{split}.pt"


def _stamps(spec: DatasetSpec, root: Path, split: str) -> dict:
    """(size, mtime_ns) of every raw file a split reads: any change invalidates the cache."""
    folder = root / spec.folder
    names = list(spec.splits[split])
    if spec is FASHION_MNIST:  # the unpacked copies torchvision reads must not drift either
        names += [n[:-3] for n in spec.splits[split]]
    out = {}
    for name in names:
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
    decode = _decode_fashion_mnist if spec is FASHION_MNIST else _decode_cifar10
    images, labels = decode(root, split)
    bad = (labels < 0) | (labels >= NUM_CLASSES)
    if bool(bad.any()):
        raise CorruptDataError(
            f"{spec.title} {split} labels outside 0..9 in {root / spec.folder}:"
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
