"""dlbook helpers: the small library every chapter imports.

Importing it only defines names: no seeds, no rcParams changes, no downloads, and no heavy
imports (matplotlib, torchvision, IPython are imported inside the functions that need them).
"""
from .animator import Animator
from .devices import num_gpus, synchronize, try_all_gpus, try_gpu
from .plotting import plot, set_axes, set_figsize, use_svg_display
from .runtime import in_notebook, is_autograding, limit_threads
from .timing import Accumulator, Timer

__all__ = [
    "Accumulator",
    "Animator",
    "Timer",
    "in_notebook",
    "is_autograding",
    "limit_threads",
    "num_gpus",
    "plot",
    "set_axes",
    "set_figsize",
    "synchronize",
    "try_all_gpus",
    "try_gpu",
    "use_svg_display",
]
