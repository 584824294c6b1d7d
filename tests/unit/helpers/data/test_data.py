"""Tests of the data layer (helpers/data/: datasets, formats, raw, fake, loaders), offline.

Everything runs on small synthetic datasets written in the real on-disk formats, read by
torchvision's own classes as the oracle. "No network" is simulated by replacing
urllib.request.urlopen, the one call torchvision's downloader makes; the rest is the real path.
"""

import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import torch

from helpers.data import datasets, formats, specs
from helpers.data import raw as raw_files
from helpers.data.fake import write_fake_cifar10, write_fake_fashion_mnist
from helpers.data.loaders import (
    CIFAR10_MEAN,
    CIFAR10_STD,
    ImagesOnDevice,
    cifar10_dataloaders,
    cifar10_transform,
    fashion_mnist_dataloaders,
    load_data_cifar10,
    load_data_fashion_mnist,
    random_crop_flip,
)
from helpers.data.raw import data_root
from helpers.data.specs import CorruptDataError, DatasetNotAvailableError
from tools.build import ROOT

N_TRAIN, N_TEST = 500, 130  # 130 = 2 full batches of 64 + a batch of 2
# Both paths compute float32(x) / 255, then the same interpolate / sub / div kernels: the
# results agree to float32 rounding (in practice bit for bit).
ATOL = 1e-6


@pytest.fixture
def fmnist_root(tmp_path):
    write_fake_fashion_mnist(tmp_path, n_train=N_TRAIN, n_test=N_TEST, seed=0)
    return tmp_path


@pytest.fixture
def cifar_root(tmp_path):
    write_fake_cifar10(tmp_path, n_train=N_TRAIN, n_test=N_TEST, seed=0)
    return tmp_path


@pytest.fixture
def offline(monkeypatch):
    """No network: every urlopen raises URLError; returns the list of URLs that were tried."""
    tried = []

    def refuse(request, *args, **kwargs):
        tried.append(request.full_url)
        raise urllib.error.URLError("network unreachable (simulated)")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(raw_files, "RETRY_DELAYS_S", (0.0, 0.0))
    return tried


def _epoch(loader):
    xs, ys = zip(*loader)
    return torch.cat(xs), torch.cat(ys)


def _rows(x):
    """Each image as bytes, for comparing datasets as multisets."""
    return sorted(bytes(row) for row in (x * 255).round().to(torch.uint8).flatten(1).numpy())


# ------------------------------------------------------------------------- the fake writers
def test_fake_fashion_mnist_is_read_by_torchvision(fmnist_root, offline):
    """torchvision's FashionMNIST loads the fake files (download=True finds them, no network)."""
    from torchvision.datasets import FashionMNIST

    for train, n in ((True, N_TRAIN), (False, N_TEST)):
        ds = FashionMNIST(str(fmnist_root), train=train, download=True)
        assert ds.data.shape == (n, 28, 28) and ds.data.dtype == torch.uint8
        assert ds.targets.shape == (n,) and ds.targets.dtype == torch.int64
        assert set(ds.targets.tolist()) == set(range(10))
    assert offline == []
    raw = fmnist_root / "FashionMNIST" / "raw"
    images = gzip.decompress((raw / "train-images-idx3-ubyte.gz").read_bytes())
    labels = gzip.decompress((raw / "train-labels-idx1-ubyte.gz").read_bytes())
    header = [int.from_bytes(images[i : i + 4], "big") for i in range(0, 16, 4)]
    assert header == [2051, N_TRAIN, 28, 28]
    assert [int.from_bytes(labels[i : i + 4], "big") for i in range(0, 8, 4)] == [2049, N_TRAIN]
    assert images == (raw / "train-images-idx3-ubyte").read_bytes()


def test_fake_cifar10_has_the_real_pickle_format(tmp_path):
    """Python 2 pickles: b"data" uint8 (n, 3072), b"labels" list; str keys under latin1."""
    md5 = write_fake_cifar10(tmp_path, n_train=N_TRAIN, n_test=N_TEST)
    folder = tmp_path / "cifar-10-batches-py"
    sizes = []
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(folder / name, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        assert batch[b"data"].dtype.name == "uint8" and batch[b"data"].shape[1] == 3072
        assert isinstance(batch[b"labels"], list) and len(batch[b"labels"]) == len(batch[b"data"])
        sizes.append(len(batch[b"labels"]))
        assert md5[name] == hashlib.md5((folder / name).read_bytes()).hexdigest()
    assert sizes == [N_TRAIN // 5] * 5 + [N_TEST]
    with open(folder / "batches.meta", "rb") as f:
        assert pickle.load(f, encoding="latin1")["label_names"][0] == "airplane"


def test_fake_cifar10_is_read_by_torchvision_with_recorded_checksums(cifar_root):
    """torchvision's CIFAR10 rejects fake files (real MD5s); a subclass with theirs reads them."""
    from torchvision.datasets import CIFAR10

    with pytest.raises(RuntimeError, match="corrupted"):
        CIFAR10(str(cifar_root), train=True, download=False)
    for train, n in ((True, N_TRAIN), (False, N_TEST)):
        ds = datasets.torchvision_cifar10(cifar_root, train=train, download=False)
        assert isinstance(ds, CIFAR10)
        assert ds.data.shape == (n, 32, 32, 3) and ds.data.dtype.name == "uint8"
        assert len(ds.targets) == n and set(ds.targets) == set(range(10))
        assert ds.classes[:2] == ["airplane", "automobile"]


@pytest.mark.parametrize("dataset", ["fashion_mnist", "cifar10"])
def test_fake_data_is_learnable(tmp_path, dataset):
    """A nearest-class-mean classifier fitted on the training split gets > 90% on the test split."""
    writer, loader = {
        "fashion_mnist": (write_fake_fashion_mnist, load_data_fashion_mnist),
        "cifar10": (write_fake_cifar10, load_data_cifar10),
    }[dataset]
    writer(tmp_path, n_train=1000, n_test=300)
    kwargs = {"augment": False} if dataset == "cifar10" else {}
    train_iter, test_iter = loader(256, root=tmp_path, device="cpu", **kwargs)
    x, y = _epoch(train_iter)
    means = torch.stack([x[y == c].mean(0) for c in range(10)]).flatten(1)  # (10, D)
    xt, yt = _epoch(test_iter)
    predicted = torch.cdist(xt.flatten(1), means).argmin(1)
    assert (predicted == yt).float().mean() > 0.9


def test_writer_refuses_to_overwrite_real_data(tmp_path):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-images-idx3-ubyte.gz").write_bytes(b"real data")
    with pytest.raises(FileExistsError, match="real data"):
        write_fake_fashion_mnist(tmp_path)


# --------------------------------------------------------- fast path == DataLoader path
@pytest.mark.parametrize("resize", [None, 40, (20, 36)])
def test_fashion_mnist_fast_path_matches_dataloader(fmnist_root, resize):
    """Same images, order and values (to ATOL): test split, and train split unshuffled."""
    train_iter, test_iter = load_data_fashion_mnist(
        64, resize=resize, root=fmnist_root, device="cpu"
    )
    train_dl, test_dl = fashion_mnist_dataloaders(
        64, resize=resize, root=fmnist_root, num_workers=0
    )
    assert (len(train_iter), len(test_iter)) == (len(train_dl), len(test_dl))
    assert (train_iter.dataset_size, test_iter.dataset_size) == (N_TRAIN, N_TEST)
    train_iter.shuffle = False
    train_dl = torch.utils.data.DataLoader(train_dl.dataset, 64, shuffle=False)
    for fast, reference in ((test_iter, test_dl), (train_iter, train_dl)):
        batches = 0
        for (x, y), (x_ref, y_ref) in zip(fast, reference, strict=True):
            assert x.dtype == torch.float32 and y.dtype == torch.int64
            torch.testing.assert_close(x, x_ref, atol=ATOL, rtol=0)
            assert torch.equal(y, y_ref)
            batches += 1
        assert batches == len(reference)
    size = {None: (28, 28), 40: (40, 40)}.get(resize, resize)
    assert x.shape[1:] == (1, *size) and len(x) == N_TRAIN % 64


def test_training_order_is_a_fresh_permutation_every_epoch(fmnist_root):
    train_iter, _ = load_data_fashion_mnist(64, root=fmnist_root, device="cpu")
    x1, y1 = _epoch(train_iter)
    x2, y2 = _epoch(train_iter)
    reference, _ = _epoch(ImagesOnDevice(train_iter.images, train_iter.labels, 64, device="cpu"))
    assert _rows(x1) == _rows(x2) == _rows(reference)  # every image exactly once per epoch
    assert not torch.equal(y1, y2)  # in a new order each time
    assert sorted(y1.tolist()) == sorted(train_iter.labels.tolist())


def test_cifar10_fast_path_matches_dataloader(cifar_root):
    """Normalised test split identical in order; train split too, unaugmented, unshuffled."""
    train_iter, test_iter = load_data_cifar10(50, root=cifar_root, device="cpu", augment=False)
    _, test_dl = cifar10_dataloaders(50, root=cifar_root, num_workers=0)
    train_set = datasets.torchvision_cifar10(
        cifar_root, train=True, transform=cifar10_transform(False)
    )
    train_iter.shuffle = False
    train_dl = torch.utils.data.DataLoader(train_set, 50, shuffle=False)
    for fast, reference in ((test_iter, test_dl), (train_iter, train_dl)):
        for (x, y), (x_ref, y_ref) in zip(fast, reference, strict=True):
            assert x.shape[1:] == (3, 32, 32) and x.dtype == torch.float32
            torch.testing.assert_close(x, x_ref, atol=ATOL, rtol=0)
            assert torch.equal(y, y_ref)


# ------------------------------------------------------------------------- augmentation
def _match_crops(images, out, padding=4):
    """For each output image, the (top, left, flipped) crops of the padded input it equals."""
    padded = torch.nn.functional.pad(images, (padding,) * 4)
    h, w = images.shape[-2:]
    found = [[] for _ in range(len(images))]
    for top in range(2 * padding + 1):
        for left in range(2 * padding + 1):
            crop = padded[:, :, top : top + h, left : left + w]
            for flipped, candidate in ((False, crop), (True, crop.flip(-1))):
                for i in torch.nonzero((candidate == out).flatten(1).all(1)).flatten().tolist():
                    found[i].append((top, left, flipped))
    return found


def test_random_crop_flip_keeps_values_from_the_padded_image():
    """Every output is one crop (maybe flipped) of the zero-padded input; offsets and flips vary."""
    torch.manual_seed(0)
    images = torch.randint(1, 256, (512, 3, 32, 32), dtype=torch.uint8)  # no zeros of its own
    out = random_crop_flip(images, padding=4)
    assert out.shape == images.shape and out.dtype == torch.uint8
    found = _match_crops(images, out)
    assert all(len(f) == 1 for f in found)  # each is exactly one crop
    tops = {f[0][0] for f in found}
    lefts = {f[0][1] for f in found}
    flipped = sum(f[0][2] for f in found) / len(found)
    assert tops == lefts == set(range(9))  # all 9 offsets drawn, per axis
    assert 0.4 < flipped < 0.6  # p = 0.5
    assert not torch.equal(out, images)


def test_cifar10_train_batches_are_augmented_and_test_batches_are_not(cifar_root):
    torch.manual_seed(0)
    train_iter, test_iter = load_data_cifar10(100, root=cifar_root, device="cpu", augment=True)
    assert train_iter.augment and not test_iter.augment
    train_iter.shuffle = False  # so batch i holds images i*100 ... of the stored tensor
    x, y = next(iter(train_iter))
    assert x.shape == (100, 3, 32, 32) and torch.equal(y, train_iter.labels[:100])
    mean = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)
    pixels = (x * std + mean).mul(255).round().to(torch.uint8)  # undo Normalize and ToTensor
    found = _match_crops(train_iter.images[:100], pixels)
    assert all(found) and any((4, 4, False) not in f for f in found)
    x_test, _ = next(iter(test_iter))
    torch.testing.assert_close(
        x_test, (test_iter.images[:100].float() / 255 - mean) / std, atol=ATOL, rtol=0
    )


# ------------------------------------------------------------------------- root resolution
def test_data_root_precedence(monkeypatch, tmp_path):
    """argument > $DLBOOK_DATA > $XDG_CACHE_HOME/dlbook/data > ~/.cache/dlbook/data; no ../data."""
    monkeypatch.delenv("DLBOOK_DATA", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    home_default = data_root()
    assert home_default == Path.home() / ".cache" / "dlbook" / "data"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_root() == tmp_path / "xdg" / "dlbook" / "data"
    monkeypatch.setenv("DLBOOK_DATA", str(tmp_path / "env"))
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.setenv("DLBOOK_DATA", "")  # empty counts as unset
    assert data_root() == tmp_path / "xdg" / "dlbook" / "data"
    for root in (home_default, data_root(), data_root("rel/dir")):
        assert root.is_absolute() and ".." not in root.parts
    assert not (tmp_path / "xdg").exists()  # resolving creates nothing


def test_loaders_use_the_environment_variable(fmnist_root, monkeypatch):
    monkeypatch.setenv("DLBOOK_DATA", str(fmnist_root))
    _, test_iter = load_data_fashion_mnist(32, device="cpu")
    assert test_iter.dataset_size == N_TEST
    assert (fmnist_root / "dlbook-cache" / "fashion_mnist-test.pt").is_file()


# ------------------------------------------------------------------------- corrupt files
def test_truncated_gz_is_reported(fmnist_root):
    load_data_fashion_mnist(64, root=fmnist_root, device="cpu")  # builds the decoded cache
    gz = fmnist_root / "FashionMNIST" / "raw" / "train-images-idx3-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[:-100])
    with pytest.raises(CorruptDataError, match="train-images-idx3-ubyte.gz is corrupt") as err:
        load_data_fashion_mnist(64, root=fmnist_root, device="cpu")
    assert str(gz) in str(err.value) and "delete it and rerun" in str(err.value)
    with pytest.raises(CorruptDataError, match="delete it"):
        fashion_mnist_dataloaders(64, root=fmnist_root, num_workers=0)


def test_truncated_gz_with_matching_checksum_is_still_caught(fmnist_root):
    """Even if a damaged archive passed its checksum, gunzip's error is reported with the file."""
    raw = fmnist_root / "FashionMNIST" / "raw"
    gz = raw / "t10k-labels-idx1-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[:-20])
    manifest = (raw / "dlbook-synthetic.json").read_text()
    good_md5 = raw_files.read_manifest(raw)[gz.name]
    (raw / "dlbook-synthetic.json").write_text(manifest.replace(good_md5, raw_files.md5_of(gz)))
    with pytest.raises(CorruptDataError, match="not a complete gzip file") as err:
        load_data_fashion_mnist(64, root=fmnist_root, device="cpu")
    assert str(gz) in str(err.value)


def test_corrupt_cifar_pickle_is_reported(cifar_root):
    folder = cifar_root / "cifar-10-batches-py"
    batch = folder / "test_batch"
    batch.write_bytes(b"\x80\x02not a pickle at all" + bytes(100))
    with pytest.raises(CorruptDataError, match="test_batch is corrupt") as err:
        load_data_cifar10(64, root=cifar_root, device="cpu")
    assert str(batch) in str(err.value)
    # The same garbage with a checksum that matches: the unpickling error is reported.
    manifest = folder / "dlbook-synthetic.json"
    old = raw_files.read_manifest(folder)["test_batch"]
    manifest.write_text(manifest.read_text().replace(old, raw_files.md5_of(batch)))
    with pytest.raises(CorruptDataError, match="not a readable CIFAR-10 batch"):
        load_data_cifar10(64, root=cifar_root, device="cpu")


def test_corrupt_decoded_cache_is_reported(fmnist_root):
    load_data_fashion_mnist(64, root=fmnist_root, device="cpu")
    cache = fmnist_root / "dlbook-cache" / "fashion_mnist-train.pt"
    good = cache.read_bytes()
    middle = len(good) // 2  # inside the image tensor's bytes
    cache.write_bytes(
        good[:middle] + bytes(x ^ 0xFF for x in good[middle : middle + 64]) + good[middle + 64 :]
    )
    with pytest.raises(CorruptDataError, match="fashion_mnist-train.pt") as err:
        load_data_fashion_mnist(64, root=fmnist_root, device="cpu")
    assert "delete it and rerun" in str(err.value)
    cache.write_bytes(good[: len(good) // 3])  # truncated
    with pytest.raises(CorruptDataError, match="fashion_mnist-train.pt is unreadable"):
        load_data_fashion_mnist(64, root=fmnist_root, device="cpu")
    cache.unlink()  # what the message says to do
    load_data_fashion_mnist(64, root=fmnist_root, device="cpu")


def test_cache_is_rebuilt_when_raw_files_change(tmp_path):
    from torchvision.datasets import FashionMNIST

    write_fake_fashion_mnist(tmp_path, n_train=100, n_test=50, seed=0)
    load_data_fashion_mnist(50, root=tmp_path, device="cpu")  # caches the seed-0 data
    write_fake_fashion_mnist(tmp_path, n_train=120, n_test=60, seed=1)
    _, second = load_data_fashion_mnist(50, root=tmp_path, device="cpu")
    assert second.dataset_size == 60
    reference = FashionMNIST(str(tmp_path), train=False)
    assert torch.equal(second.images[:, 0], reference.data)
    assert torch.equal(second.labels, reference.targets)


# ------------------------------------------------------------------------- downloading
def test_offline_error_names_the_files_and_the_folder(tmp_path, offline):
    with pytest.raises(DatasetNotAvailableError) as err:
        load_data_fashion_mnist(64, root=tmp_path, device="cpu")
    message = str(err.value)
    for name in (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ):
        assert name in message
    assert str(tmp_path / "FashionMNIST" / "raw") in message and "http" in message
    assert len(offline) == 3  # tried three times, then gave up

    with pytest.raises(DatasetNotAvailableError) as err:
        load_data_cifar10(64, root=tmp_path, device="cpu")
    message = str(err.value)
    assert "cifar-10-python.tar.gz" in message and str(tmp_path / "cifar-10-batches-py") in message
    assert all(f"data_batch_{i}" in message for i in range(1, 6)) and "test_batch" in message


class _FakeResponse(io.BytesIO):
    def __init__(self, url, data):
        super().__init__(data)
        self.url, self.length = url, len(data)


def test_partial_download_is_retried(tmp_path, monkeypatch):
    """Each file's first transfer stops halfway (bad MD5); the retry succeeds; no .part left."""
    source = tmp_path / "source"
    write_fake_fashion_mnist(source, n_train=N_TRAIN, n_test=N_TEST)
    raw = source / "FashionMNIST" / "raw"
    names = specs.all_files(specs.FASHION_MNIST)
    served = {name: (raw / name).read_bytes() for name in names}
    gets = []

    def serve(request, *args, **kwargs):
        name = request.full_url.rsplit("/", 1)[-1]
        if request.get_header("Method") == "HEAD":  # torchvision's redirect probe
            return _FakeResponse(request.full_url, b"")
        gets.append(name)
        data = served[name]
        if gets.count(name) == 1:
            data = data[: len(data) // 2]  # connection drops halfway
        return _FakeResponse(request.full_url, data)

    monkeypatch.setattr(urllib.request, "urlopen", serve)
    monkeypatch.setattr(raw_files, "RETRY_DELAYS_S", (0.0, 0.0))
    monkeypatch.setattr(
        formats.IdxGz,
        "official_md5",
        lambda self, spec: {n: hashlib.md5(d).hexdigest() for n, d in served.items()},
    )
    target = tmp_path / "target"
    _, test_iter = load_data_fashion_mnist(64, root=target, device="cpu")
    assert sorted(gets) == sorted(list(served) * 2)
    got = target / "FashionMNIST" / "raw"
    assert not list(got.glob("*.part"))
    assert all((got / n).read_bytes() == d for n, d in served.items())
    _, reference = load_data_fashion_mnist(64, root=source, device="cpu")
    assert torch.equal(test_iter.images, reference.images)


# ------------------------------------------------------------------------- odds and ends
def test_importing_the_data_modules_does_not_import_torchvision():
    code = (
        "import sys, helpers.data.datasets, helpers.data.loaders, helpers.data.fake; "
        "assert 'torchvision' not in sys.modules, 'torchvision imported eagerly'"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_images_on_device_validates_its_inputs():
    with pytest.raises(ValueError, match="uint8"):
        ImagesOnDevice(torch.zeros(4, 1, 2, 2), torch.zeros(4), 2, device="cpu")
    with pytest.raises(ValueError, match="batch_size"):
        ImagesOnDevice(torch.zeros(4, 1, 2, 2, dtype=torch.uint8), torch.zeros(4), 0, device="cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_batches_match_cpu_batches(fmnist_root, cifar_root):
    """On CUDA (the default device) batches live on the GPU and equal the CPU path's."""
    _, test_gpu = load_data_fashion_mnist(64, resize=56, root=fmnist_root)
    _, test_cpu = load_data_fashion_mnist(64, resize=56, root=fmnist_root, device="cpu")
    for (x, y), (x_ref, y_ref) in zip(test_gpu, test_cpu, strict=True):
        assert x.device.type == "cuda" and y.device.type == "cuda"
        torch.testing.assert_close(x.cpu(), x_ref, atol=1e-5, rtol=0)
        assert torch.equal(y.cpu(), y_ref)
    train_gpu, _ = load_data_cifar10(128, root=cifar_root)
    train_gpu.shuffle = False
    images = train_gpu.images[:128]
    found = _match_crops(images.cpu(), random_crop_flip(images).cpu())
    assert all(len(f) >= 1 for f in found)


def _only_uncompressed(root: Path) -> Path:
    """Turn a written Fashion-MNIST folder into what a torchvision install leaves behind when
    its .gz files were deleted: the four uncompressed files only (no manifest, so "real")."""
    raw = root / "FashionMNIST" / "raw"
    for path in list(raw.iterdir()):
        if path.suffix == ".gz" or path.name == raw_files.MANIFEST:
            path.unlink()
    return raw


def test_a_folder_with_only_the_uncompressed_files_is_used_without_a_download(
    fmnist_root, tmp_path_factory, offline
):
    full = tmp_path_factory.mktemp("full")
    write_fake_fashion_mnist(full, n_train=N_TRAIN, n_test=N_TEST, seed=0)
    raw = _only_uncompressed(fmnist_root)
    assert sorted(p.name for p in raw.iterdir()) == [
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
    ]
    for split in ("train", "test"):
        got = datasets.load_decoded(specs.FASHION_MNIST, split, fmnist_root)
        want = datasets.load_decoded(specs.FASHION_MNIST, split, full)
        assert torch.equal(got[0], want[0]) and torch.equal(got[1], want[1])
    train_iter, _ = load_data_fashion_mnist(64, root=fmnist_root, device="cpu")
    assert _epoch(train_iter)[0].shape == (N_TRAIN, 1, 28, 28)
    loader, _ = fashion_mnist_dataloaders(64, root=fmnist_root, num_workers=0)
    assert _epoch(loader)[0].shape == (N_TRAIN, 1, 28, 28)
    assert offline == []  # nothing was downloaded


def test_a_truncated_uncompressed_file_is_reported(fmnist_root, offline):
    raw = _only_uncompressed(fmnist_root)
    path = raw / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(CorruptDataError, match=r"train-images-idx3-ubyte holds"):
        load_data_fashion_mnist(64, root=fmnist_root, device="cpu")


# ------------------------------------------------------------------- the CIFAR-10 archive path
# The archive is a real tar.gz of synthetic batches, unpacked by torchvision's own
# `extract_archive`, as the downloaded `cifar-10-python.tar.gz` would be.
ARCHIVE = "cifar-10-python.tar.gz"  # the name torchvision downloads, in the data root


def cifar_archive(tmp_path, monkeypatch):
    """(root holding only cifar-10-python.tar.gz of synthetic batches, the unpacked original).

    torchvision checks the archive against the real one's MD5; ours is accepted by setting
    that published checksum to our archive's, the one change from the real path.
    """
    from torchvision.datasets import CIFAR10

    source = tmp_path / "source"
    write_fake_cifar10(source, n_train=50, n_test=20, seed=3)
    root = tmp_path / "root"
    root.mkdir()
    with tarfile.open(root / ARCHIVE, "w:gz") as tar:
        tar.add(source / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    md5 = hashlib.md5((root / ARCHIVE).read_bytes(), usedforsecurity=False).hexdigest()
    monkeypatch.setattr(CIFAR10, "tgz_md5", md5)
    return root, source


def test_cifar10_archive_in_the_root_is_unpacked_and_used(tmp_path, monkeypatch, offline):
    root, source = cifar_archive(tmp_path, monkeypatch)
    train_iter, test_iter = load_data_cifar10(10, root=root, device="cpu", augment=False)
    assert offline == []  # nothing downloaded
    assert (root / "cifar-10-batches-py" / "data_batch_5").is_file()
    _, reference = load_data_cifar10(10, root=source, device="cpu", augment=False)
    assert torch.equal(test_iter.images, reference.images)
    assert torch.equal(test_iter.labels, reference.labels)
    assert (train_iter.dataset_size, test_iter.dataset_size) == (50, 20)


def test_corrupt_cifar10_archive_says_delete_it(tmp_path, monkeypatch, offline):
    root, _ = cifar_archive(tmp_path, monkeypatch)
    archive = root / ARCHIVE
    archive.write_bytes(archive.read_bytes()[:-200])  # a download cut short
    with pytest.raises(CorruptDataError, match=r"cifar-10-python.tar.gz is corrupt.*delete it"):
        load_data_cifar10(10, root=root, device="cpu")
    assert offline == []


# ---------------------------------------------------------------- devices, as train() checks them
needs_no_cuda = pytest.mark.skipif(
    torch.cuda.is_available(), reason="the message for a machine without CUDA"
)


@needs_no_cuda
@pytest.mark.parametrize("load", [load_data_fashion_mnist, load_data_cifar10])
def test_loader_on_cuda_without_a_gpu_says_what_to_call(tmp_path, load):
    """The book's message, before any data is read (the root here is empty)."""
    with pytest.raises(
        ValueError,
        match=r"device='cuda' was requested but this machine has "
        r"0 CUDA GPU.*helpers.try_gpu\(\)",
    ):
        load(64, root=tmp_path, device="cuda")


@needs_no_cuda
def test_images_on_device_on_cuda_without_a_gpu_says_what_to_call():
    images = torch.zeros(4, 1, 2, 2, dtype=torch.uint8)
    with pytest.raises(ValueError, match=r"0 CUDA GPU.*helpers.try_gpu\(\)"):
        ImagesOnDevice(images, torch.zeros(4), 2, device="cuda")


def test_loader_with_an_unknown_device_name_says_what_to_use(tmp_path):
    with pytest.raises(ValueError, match=r"device='gpu' is not a device PyTorch knows"):
        load_data_fashion_mnist(64, root=tmp_path, device="gpu")
