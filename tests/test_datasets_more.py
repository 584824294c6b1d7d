"""More of helpers.loaders / helpers.datasets, offline: the CIFAR-10 archive path and devices.

(New tests live here rather than in test_data.py, which another change is editing.)
The archive is a real tar.gz of synthetic batches (`helpers.fake_data`), unpacked by
torchvision's own `extract_archive`, as the downloaded `cifar-10-python.tar.gz` would be.
"""
import hashlib
import tarfile
import urllib.error
import urllib.request

import pytest
import torch

from helpers import datasets
from helpers.datasets import CorruptDataError
from helpers.fake_data import write_fake_cifar10
from helpers.loaders import ImagesOnDevice, load_data_cifar10, load_data_fashion_mnist

ARCHIVE = "cifar-10-python.tar.gz"  # the name torchvision downloads, in the data root


@pytest.fixture
def offline(monkeypatch):
    """Every download attempt fails (and is recorded): the archive must be used as it is."""
    tried = []

    def refuse(request, *args, **kwargs):
        tried.append(request.full_url)
        raise urllib.error.URLError("network unreachable (simulated)")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(datasets, "RETRY_DELAYS_S", (0.0, 0.0))
    return tried


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
    assert offline == []                                      # nothing downloaded
    assert (root / "cifar-10-batches-py" / "data_batch_5").is_file()
    _, reference = load_data_cifar10(10, root=source, device="cpu", augment=False)
    assert torch.equal(test_iter.images, reference.images)
    assert torch.equal(test_iter.labels, reference.labels)
    assert (train_iter.dataset_size, test_iter.dataset_size) == (50, 20)


def test_corrupt_cifar10_archive_says_delete_it(tmp_path, monkeypatch, offline):
    root, _ = cifar_archive(tmp_path, monkeypatch)
    archive = root / ARCHIVE
    archive.write_bytes(archive.read_bytes()[:-200])         # a download cut short
    with pytest.raises(CorruptDataError, match=r"cifar-10-python.tar.gz is corrupt.*delete it"):
        load_data_cifar10(10, root=root, device="cpu")
    assert offline == []


# ---------------------------------------------------------------- devices, as train() checks them
needs_no_cuda = pytest.mark.skipif(torch.cuda.is_available(),
                                   reason="the message for a machine without CUDA")


@needs_no_cuda
@pytest.mark.parametrize("load", [load_data_fashion_mnist, load_data_cifar10])
def test_loader_on_cuda_without_a_gpu_says_what_to_call(tmp_path, load):
    """The book's message, before any data is read (the root here is empty)."""
    with pytest.raises(ValueError, match=r"device='cuda' was requested but this machine has "
                                      r"0 CUDA GPU.*helpers.try_gpu\(\)"):
        load(64, root=tmp_path, device="cuda")


@needs_no_cuda
def test_images_on_device_on_cuda_without_a_gpu_says_what_to_call():
    images = torch.zeros(4, 1, 2, 2, dtype=torch.uint8)
    with pytest.raises(ValueError, match=r"0 CUDA GPU.*helpers.try_gpu\(\)"):
        ImagesOnDevice(images, torch.zeros(4), 2, device="cuda")


def test_loader_with_an_unknown_device_name_says_what_to_use(tmp_path):
    with pytest.raises(ValueError, match=r"device='gpu' is not a device PyTorch knows"):
        load_data_fashion_mnist(64, root=tmp_path, device="gpu")
