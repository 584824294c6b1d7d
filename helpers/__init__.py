"""dlbook helpers: the small library every chapter imports.

Importing it only defines names: no seeds, no rcParams changes, no downloads, and no heavy
imports (matplotlib, torchvision, IPython are imported inside the functions that need them).
The names follow the lecture notes' d2l where they exist (`try_gpu`, `Animator`, `train_ch6`,
`load_data_fashion_mnist`, ...), so code copied from the notes runs.
"""

from .animator import Animator
from .autograd_graph import draw_graph, trace_graph
from .devices import num_gpus, synchronize, try_all_gpus, try_gpu
from .fake_data import write_fake_cifar10, write_fake_fashion_mnist
from .loaders import (
    ImagesOnDevice,
    cifar10_dataloaders,
    fashion_mnist_dataloaders,
    load_data_cifar10,
    load_data_fashion_mnist,
)
from .models import lenet, resnet20
from .plotting import plot, set_axes, set_figsize, use_svg_display
from .resources import data_file
from .runtime import in_notebook, is_autograding, limit_threads
from .settings import pick_settings
from .timing import Accumulator, Timer
from .training import History, evaluate_accuracy, train, train_ch6

__all__ = [
    "Accumulator",
    "Animator",
    "History",
    "ImagesOnDevice",
    "Timer",
    "cifar10_dataloaders",
    "data_file",
    "draw_graph",
    "evaluate_accuracy",
    "fashion_mnist_dataloaders",
    "in_notebook",
    "is_autograding",
    "lenet",
    "limit_threads",
    "load_data_cifar10",
    "load_data_fashion_mnist",
    "num_gpus",
    "pick_settings",
    "plot",
    "resnet20",
    "set_axes",
    "set_figsize",
    "synchronize",
    "trace_graph",
    "train",
    "train_ch6",
    "try_all_gpus",
    "try_gpu",
    "use_svg_display",
    "write_fake_cifar10",
    "write_fake_fashion_mnist",
]
