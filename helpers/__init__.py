"""dlbook helpers: the small library every chapter imports.

    devices, timing, runtime, settings, files, plotting, animator, models, checks, by_hand
    (by_hand_guard), grader_flags,
    selfcheck, resources, nbcells          the core, one concept per module
    data/        datasets (specs, downloads, checksums), synthetic data, batches
    training/    the one training loop, its options, checkpoints, history, evaluation
    chapters/    modules one chapter uses (autograd graph, conv explorer, LeNet plots, ...)

The names below are the ones chapters use, with the lecture notes' (d2l) names where they exist
(`try_gpu`, `Animator`, `train_ch6`, `load_data_fashion_mnist`, ...), so code copied from the
notes runs. Each is imported from its module the first time it is used (`helpers.train` imports
helpers/training/ then): `import helpers` itself imports nothing, so it sets no seeds, changes
no rcParams, downloads nothing, and costs nothing; `import helpers.nbcells` (the build, the
grader) does not pay for torch.
"""

import importlib

# public name -> the module that defines it
_EXPORTS = {
    "Accumulator": "helpers.timing",
    "Animator": "helpers.animator",
    "History": "helpers.training.history",
    "ImagesOnDevice": "helpers.data.loaders",
    "Timer": "helpers.timing",
    "cifar10_dataloaders": "helpers.data.loaders",
    "data_file": "helpers.resources",
    "draw_graph": "helpers.chapters.autograd_graph",
    "evaluate_accuracy": "helpers.training.evaluate",
    "fashion_mnist_dataloaders": "helpers.data.loaders",
    "in_notebook": "helpers.runtime",
    "is_autograding": "helpers.runtime",
    "lenet": "helpers.models",
    "limit_threads": "helpers.runtime",
    "train_threads": "helpers.runtime",
    "load_data_cifar10": "helpers.data.loaders",
    "load_data_fashion_mnist": "helpers.data.loaders",
    "num_gpus": "helpers.devices",
    "pick_settings": "helpers.settings",
    "plot": "helpers.plotting",
    "resnet20": "helpers.models",
    "set_axes": "helpers.plotting",
    "set_figsize": "helpers.plotting",
    "synchronize": "helpers.devices",
    "trace_graph": "helpers.chapters.autograd_graph",
    "train": "helpers.training.loop",
    "train_ch6": "helpers.training.loop",
    "try_all_gpus": "helpers.devices",
    "try_gpu": "helpers.devices",
    "use_svg_display": "helpers.plotting",
    "write_fake_cifar10": "helpers.data.fake",
    "write_fake_fashion_mnist": "helpers.data.fake",
}
__all__ = sorted(_EXPORTS)  # noqa: PLE0605 -- the keys above, each a string


def __getattr__(name: str):
    # PEP 562: called only for names not yet in this module's namespace.
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # once: later uses are plain attribute reads
        return value
    # A submodule used as an attribute (`helpers.models.BasicBlock` after `import helpers`)
    # is imported here, as it was when this file imported every module up front.
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise  # the submodule exists but something it imports does not
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | set(_EXPORTS))
