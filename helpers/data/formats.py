"""How each dataset's files are stored, fetched and decoded: one class per file format.

    IdxGz        Fashion-MNIST: gzipped IDX files from torchvision's mirrors, one by one, each
                 also kept uncompressed beside it (torchvision's FashionMNIST reads only those)
    CifarPickle  CIFAR-10: Python 2 pickles of 10,000 images each, shipped as one archive

A `DatasetSpec` names its format (`spec.file_format`); `format_of(spec)` gives the object, so
datasets.py downloads, verifies, decodes and caches any dataset the same way. torchvision is
imported inside the methods that need it, so importing this module is cheap.
"""

import gzip
import pickle
import zlib
from pathlib import Path

import numpy as np
import torch

from helpers.data.raw import fetch, md5_of
from helpers.data.specs import CorruptDataError, DatasetSpec, all_files
from helpers.files import atomic_write


def _gunzip(path: Path) -> bytes:
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError
        raise CorruptDataError(
            f"{path} is not a complete gzip file ({err}): delete it and rerun"
        ) from err


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


class IdxGz:
    """Gzipped IDX files (`x.gz`), each with its uncompressed copy `x` beside it.

    A folder holding only the uncompressed copies (say, copied from another torchvision
    install) is used as it is: torchvision publishes no checksum for those, so they are checked
    by their IDX headers and sizes when decoded instead of by MD5.
    """

    def official_md5(self, spec: DatasetSpec) -> dict:
        from torchvision import datasets as tvd

        return dict(tvd.FashionMNIST.resources)

    def unpacked_only(self, folder: Path, name: str) -> bool:
        """True if `name` (a .gz) is absent but its uncompressed copy is present."""
        return (
            name.endswith(".gz")
            and not (folder / name).is_file()
            and (folder / name[:-3]).is_file()
        )

    def stamped_names(self, spec: DatasetSpec, split: str) -> list:
        """The files a split's decoded cache depends on: the uncompressed copies too."""
        return list(spec.splits[split]) + [n[:-3] for n in spec.splits[split]]

    def download_hint(self, spec: DatasetSpec, root: Path) -> str:
        from torchvision import datasets as tvd

        urls = "\n".join(f"  {tvd.FashionMNIST.mirrors[0]}{f}" for f in all_files(spec))
        return (
            f"Download these files on a machine with internet access:\n{urls}\n"
            f"and put them, with these exact names, in the folder\n  {root / spec.folder}\n"
            "then rerun."
        )

    def download(self, spec: DatasetSpec, root: Path, missing: list) -> None:
        from torchvision import datasets as tvd

        folder = root / spec.folder
        folder.mkdir(parents=True, exist_ok=True)
        md5 = self.official_md5(spec)
        hint = self.download_hint(spec, root)
        for name in missing:
            urls = [mirror + name for mirror in tvd.FashionMNIST.mirrors]
            fetch(urls, folder, name, md5[name], title=spec.title, hint=hint)

    def after_verify(self, spec: DatasetSpec, root: Path) -> None:
        """Make the uncompressed copies torchvision reads equal to the verified archives."""
        for name in all_files(spec):
            self._idx_bytes(root / spec.folder / name)

    @staticmethod
    def _sync_unpacked(gz_path: Path) -> bytes:
        """Return the bytes inside `gz_path` and make the uncompressed copy equal to them.

        torchvision's FashionMNIST reads only the uncompressed files (and does not checksum
        them); rewriting them from the verified archive keeps both data paths on one set of bytes.
        """
        data = _gunzip(gz_path)
        plain = gz_path.with_suffix("")  # drop ".gz"
        if not plain.is_file() or plain.stat().st_size != len(data) or plain.read_bytes() != data:
            atomic_write(plain, data)
        return data

    def _idx_bytes(self, gz_path: Path) -> tuple:
        """(IDX bytes, the file they came from): from the verified .gz (syncing the uncompressed
        copy), or from the uncompressed file alone when that is all there is."""
        plain = gz_path.with_suffix("")
        if not gz_path.is_file() and plain.is_file():
            return plain.read_bytes(), plain
        return self._sync_unpacked(gz_path), gz_path

    def decode(self, spec: DatasetSpec, root: Path, split: str):
        folder = root / spec.folder
        image_gz, label_gz = (folder / f for f in spec.splits[split])
        (image_bytes, image_file), (label_bytes, label_file) = map(
            self._idx_bytes, (image_gz, label_gz)
        )
        images = parse_idx(image_bytes, 3, image_file)  # (N, H, W)
        labels = parse_idx(label_bytes, 1, label_file)  # (N,)
        if len(images) != len(labels):
            raise CorruptDataError(
                f"{image_file} has {len(images)} images but {label_file} has "
                f"{len(labels)} labels: delete both and rerun"
            )
        images = torch.from_numpy(images.copy()).unsqueeze(1)  # (N, 1, H, W)
        return images, torch.from_numpy(labels.astype(np.int64))


class CifarPickle:
    """Python 2 pickles of {b"data": uint8 (n, 3072), b"labels": [...]}, from one .tar.gz."""

    def official_md5(self, spec: DatasetSpec) -> dict:
        from torchvision import datasets as tvd

        table = dict(tvd.CIFAR10.train_list + tvd.CIFAR10.test_list)
        table[tvd.CIFAR10.meta["filename"]] = tvd.CIFAR10.meta["md5"]
        return table

    def unpacked_only(self, folder: Path, name: str) -> bool:
        return False  # every file has a published checksum

    def stamped_names(self, spec: DatasetSpec, split: str) -> list:
        return list(spec.splits[split])

    def download_hint(self, spec: DatasetSpec, root: Path) -> str:
        from torchvision import datasets as tvd

        return (
            f"Download {tvd.CIFAR10.url} on a machine with internet access and either put it in\n"
            f"  {root}\n(it is unpacked on the next run) or unpack it there yourself, so that "
            f"{', '.join(all_files(spec))} are in\n  {root / spec.folder}\nthen rerun."
        )

    def download(self, spec: DatasetSpec, root: Path, missing: list) -> None:
        """The archive unpacks into the dataset's folder; one in the root is used as it is."""
        from torchvision import datasets as tvd
        from torchvision.datasets.utils import extract_archive

        archive = root / tvd.CIFAR10.filename
        root.mkdir(parents=True, exist_ok=True)
        if not archive.is_file():
            fetch(
                [tvd.CIFAR10.url],
                root,
                tvd.CIFAR10.filename,
                tvd.CIFAR10.tgz_md5,
                title=spec.title,
                hint=self.download_hint(spec, root),
            )
        elif md5_of(archive) != tvd.CIFAR10.tgz_md5:
            raise CorruptDataError(
                f"{archive} is corrupt (wrong MD5): delete it and rerun to download it again"
            )
        extract_archive(str(archive), str(root))

    def after_verify(self, spec: DatasetSpec, root: Path) -> None:
        pass

    def decode(self, spec: DatasetSpec, root: Path, split: str):
        images, labels = [], []
        for name in spec.splits[split]:
            if name == "batches.meta":
                continue
            data, target = self._read_batch(root / spec.folder / name)
            images.append(data.reshape(-1, *spec.image_shape))
            labels.append(target)
        return torch.from_numpy(np.concatenate(images)), torch.from_numpy(np.concatenate(labels))

    @staticmethod
    def _read_batch(path: Path):
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
        return data, target


FORMATS = {"idx.gz": IdxGz(), "cifar-pickle": CifarPickle()}


def format_of(spec: DatasetSpec):
    return FORMATS[spec.file_format]
