"""Training settings for where a notebook runs: full size on a GPU, CPU-sized on a CPU, tiny
under the autograder, with one printed line that says which and why.

    s = pick_settings(gpu=dict(epochs=10, batch_size=256),
                      cpu=dict(epochs=2, batch_size=256, train_subset=10_000),
                      grading=dict(epochs=1, batch_size=64, max_batches=4))
    train(net, ..., num_epochs=s["epochs"])
"""
from .devices import try_gpu
from .runtime import is_autograding


def pick_settings(*, gpu: dict, cpu: dict, grading: dict, device=None) -> dict:
    """Return one of the three dicts (as a copy) and print why it was chosen.

    `device` defaults to `helpers.try_gpu()`; any non-CPU device (CUDA, Apple MPS) gets `gpu`.
    """
    if is_autograding():
        chosen, why = grading, "grading run (a few batches, to check the code runs)"
    else:
        device = try_gpu() if device is None else device
        if str(device).startswith("cpu"):
            chosen, why = cpu, "no GPU found: CPU-sized settings (a GPU runs the full ones)"
        else:
            chosen, why = gpu, f"full settings on {device}"
    shown = ", ".join(f"{k}={v}" for k, v in chosen.items())
    print(f"Settings: {why}: {shown}")
    return dict(chosen)
