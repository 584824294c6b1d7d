"""Picking a device: CUDA first, then Apple's MPS, then the CPU; and where a model lives.

d2l-compatible names (`try_gpu`, `try_all_gpus`, `num_gpus`) so code from the lecture notes runs.
`resolve_device` turns every `device=` argument the book takes into a torch.device with the
book's message for a bad one; `param_device` says where a model's parameters are.
"""

import torch
from torch import nn


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


def resolve_device(device) -> torch.device:
    """`device` as a torch.device; None means `try_gpu()`. Every entry point that takes a
    `device=` (train, evaluate_accuracy, the loaders) goes through here, so a name PyTorch
    does not know, or a CUDA device this machine lacks, gives the book's message instead of
    torch's "Found no NVIDIA driver" at the first tensor moved there."""
    try:
        device = try_gpu() if device is None else torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device={device!r} is not a device PyTorch knows: use 'cpu', 'cuda', "
            "'cuda:1', or helpers.try_gpu()."
        ) from None
    if device.type == "cuda":
        index = device.index or 0
        if torch.cuda.device_count() <= index:
            raise ValueError(
                f"device={str(device)!r} was requested but this machine has "
                f"{torch.cuda.device_count()} CUDA GPU(s). Use "
                "device=helpers.try_gpu(), which falls back to the CPU."
            )
        device = torch.device("cuda", index)  # "cuda" and "cuda:0" must compare equal
    return device


def param_device(net: nn.Module) -> torch.device | None:
    """The device of `net`'s first parameter; None when it has none.

    Lazy parameters count: a lazy layer's parameter is made on a device (the factory's
    `device=`, or `with torch.device(...)`) and `net.to()` moves it, so its device is where the
    net's first forward pass will put the real weights.
    """
    first = next(net.parameters(), None)
    return None if first is None else first.device
