"""Picking a device: CUDA first, then Apple's MPS, then the CPU.

d2l-compatible names (`try_gpu`, `try_all_gpus`, `num_gpus`) so code from the lecture notes runs.
"""

import torch


def num_gpus() -> int:
    """Number of CUDA devices visible to this process (0 on a laptop without NVIDIA)."""
    return torch.cuda.device_count()


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def try_gpu(i: int = 0) -> torch.device:
    """Return `cuda:i` if it exists, else Apple's `mps` (one device only), else `cpu`."""
    if num_gpus() > i:
        return torch.device(f"cuda:{i}")
    if i == 0 and _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def try_all_gpus() -> list[torch.device]:
    """Every CUDA device; or `[mps]` on Apple silicon; or `[cpu]` when there is no accelerator."""
    if num_gpus() > 0:
        return [torch.device(f"cuda:{i}") for i in range(num_gpus())]
    if _mps_available():
        return [torch.device("mps")]
    return [torch.device("cpu")]


def synchronize(device=None) -> None:
    """Wait for queued GPU work to finish, so a clock read afterwards measures it.

    CUDA and MPS run kernels asynchronously: without this a timer measures only how long it
    took to *queue* the work. A no-op on the CPU and when no GPU was ever used.
    """
    kind = torch.device(device).type if device is not None else None
    if kind in (None, "cuda") and torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
    if kind in (None, "mps") and _mps_available():
        torch.mps.synchronize()
