"""Training settings for where a notebook runs: full size on a GPU, CPU-sized on a CPU, tiny
under the autograder, with one printed line that says which and why.

    s = pick_settings(gpu=dict(epochs=10, batch_size=256),
                      cpu=dict(epochs=2, batch_size=256, train_subset=10_000),
                      grading=dict(epochs=1, batch_size=64, max_batches=4))
    train(net, ..., num_epochs=s["epochs"])

`DLBOOK_SETTINGS=gpu|cpu|grading` in the environment picks one of the three everywhere (the
autograder still always gets `grading`): an instructor's quick pass over every cell, or the
browser tests, use `grading`; a fast CPU server can opt in to `gpu`.
"""

import os

from .devices import try_gpu
from .runtime import is_autograding

OVERRIDE = "DLBOOK_SETTINGS"


def pick_settings(*, gpu: dict, cpu: dict, grading: dict, device=None) -> dict:
    """Return one of the three dicts (as a copy) and print why it was chosen.

    `device` defaults to `helpers.try_gpu()`; any non-CPU device (CUDA, Apple MPS) gets `gpu`.
    """
    options = {"gpu": gpu, "cpu": cpu, "grading": grading}
    forced = os.environ.get(OVERRIDE, "").strip().lower()
    if is_autograding():
        chosen, why = grading, "grading run (a few batches, to check the code runs)"
    elif forced:
        if forced not in options:
            raise ValueError(
                f"{OVERRIDE}={os.environ[OVERRIDE]!r} is not one of gpu, cpu, "
                f"grading: set one of those, or unset {OVERRIDE} to choose by device"
            )
        chosen, why = options[forced], f"{forced} settings, chosen by {OVERRIDE}={forced}"
    else:
        device = try_gpu() if device is None else device
        if str(device).startswith("cpu"):
            chosen, why = cpu, "no GPU found: CPU-sized settings (a GPU runs the full ones)"
        else:
            chosen, why = gpu, f"full settings on {device}"
    shown = ", ".join(f"{k}={v}" for k, v in chosen.items())
    print(f"Settings: {why}: {shown}")
    return dict(chosen)
