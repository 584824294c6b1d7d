"""The datasets the book uses, each described once: its files, its images and how to feed them.

Everything that differs between Fashion-MNIST and CIFAR-10 is a field of its `DatasetSpec`
(or, for how its files are read and fetched, of its `file_format`: formats.py), so the code
that downloads, verifies, decodes, caches and batches them never asks which dataset it has.
"""

from dataclasses import dataclass


class DataError(RuntimeError):
    """Base class of the data errors below (a RuntimeError, like torchvision's own).

    Their messages say what to do (the URLs to fetch, the folder to put the files in), so in a
    notebook IPython shows the message alone, not a traceback through helpers' frames."""

    def _render_traceback_(self) -> list:
        # IPython calls this, if present, in place of formatting the traceback itself.
        return str(self).splitlines() or [type(self).__name__]


class DatasetNotAvailableError(DataError):
    """The raw files are missing and could not be downloaded (offline, proxy, server down)."""


class CorruptDataError(DataError):
    """A file is present but damaged: wrong checksum, truncated archive, bad pickle or cache."""


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset: where its files are, what its images are, how a batch is prepared."""

    name: str  # key used in cache names: "fashion_mnist"
    title: str  # for messages: "Fashion-MNIST"
    folder: str  # folder holding the files, relative to the root
    splits: dict  # split -> tuple of file names (checked by MD5)
    file_format: str  # how the files are stored, fetched and decoded (formats.py)
    classes: tuple  # label i is classes[i]
    image_shape: tuple  # (C, H, W) of one image
    mean: tuple | None = None  # per-channel Normalize after ToTensor; None: images in [0, 1]
    std: tuple | None = None
    crop_padding: int = 0  # training augmentation: crop of the image padded by this, and flip
    train_size: int | None = None  # images in the real training split (validation= counts them)


FASHION_MNIST = DatasetSpec(
    name="fashion_mnist",
    title="Fashion-MNIST",
    folder="FashionMNIST/raw",
    splits={
        "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    },
    file_format="idx.gz",
    classes=(
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
    ),
    image_shape=(1, 28, 28),
    train_size=60000,
)
CIFAR10 = DatasetSpec(
    name="cifar10",
    title="CIFAR-10",
    folder="cifar-10-batches-py",
    # batches.meta is not needed to decode, but torchvision's CIFAR10 refuses to load without it.
    splits={
        "train": tuple(f"data_batch_{i}" for i in range(1, 6)) + ("batches.meta",),
        "test": ("test_batch", "batches.meta"),
    },
    file_format="cifar-pickle",
    classes=(
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
    ),
    image_shape=(3, 32, 32),
    # Per-channel mean and standard deviation of the training pixels in [0, 1] (the std over
    # all pixels, not the often-copied 0.2023, 0.1994, 0.2010).
    mean=(0.4914, 0.4822, 0.4465),
    std=(0.2470, 0.2435, 0.2616),
    # The standard augmentation (He et al. 2016, as in the notes): pad each side by 4 black
    # pixels, crop a random 32x32 window, so an image shifts by up to 4 pixels (1/8 of its width).
    crop_padding=4,
    train_size=50000,
)
SPECS = (FASHION_MNIST, CIFAR10)
FASHION_MNIST_CLASSES = FASHION_MNIST.classes
CIFAR10_CLASSES = CIFAR10.classes


def all_files(spec: DatasetSpec) -> tuple:
    """Every file of `spec`, each once, in a stable order."""
    return tuple(dict.fromkeys(f for files in spec.splits.values() for f in files))
