"""A CPU tensor that behaves like a GPU tensor where it matters to an exercise: NumPy refuses it.

On a grading machine without a GPU every tensor is on the CPU, where `.numpy()` always works,
so an answer that forgets `.cpu()` would pass. `on_fake_gpu(t)` returns a tensor whose
`.numpy()` (and `np.asarray`) fails with the message PyTorch gives for a CUDA tensor, until the
answer calls `.cpu()` (or `.to("cpu")`) on it or on anything computed from it. Everything
else, arithmetic and `.item()` included, works as on a real GPU tensor.

    means = column_summary(on_fake_gpu(X))   # fails unless column_summary moves data back
"""

import torch

_CUDA_NUMPY_ERROR = (
    "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to "
    "copy the tensor to host memory first."
)


class FakeGPUTensor(torch.Tensor):
    """Results of operations on it are FakeGPUTensors too (torch's subclass propagation)."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.Tensor.numpy or func is torch.Tensor.__array__:
            raise TypeError(_CUDA_NUMPY_ERROR)
        result = super().__torch_function__(func, types, args, kwargs)
        if _moves_to_cpu(func, args[1:], kwargs):
            return _plain(result)
        return result

    def __repr__(self, *, tensor_contents=None) -> str:
        return f"{_plain(self)!r} (on a simulated GPU)"


def on_fake_gpu(t: torch.Tensor) -> FakeGPUTensor:
    """`t` (not copied) seen as a tensor on a GPU: `.numpy()` fails until `.cpu()` is called."""
    return t.as_subclass(FakeGPUTensor)


def _plain(result):
    if isinstance(result, FakeGPUTensor):
        return result.as_subclass(torch.Tensor)
    return result


def _moves_to_cpu(func, args, kwargs) -> bool:
    if func is torch.Tensor.cpu:
        return True
    if func is not torch.Tensor.to:
        return False
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.device) and value.type == "cpu":
            return True
        if isinstance(value, str) and value.startswith("cpu"):
            return True
    return False
