"""Test helper for exercises done "by hand": run a student's NumPy answer and fail if it used PyTorch.

Chapter 3 asks for derivatives and gradients worked out on paper and written in NumPy; an answer
that hands the job to `torch.autograd` would pass any value check. A test cell calls the answer
through `numpy_only`, which watches every PyTorch function call while the answer runs (a
`TorchFunctionMode` sees `torch.tensor`, `Tensor.backward`, `torch.autograd.grad`, `torch.func`
transforms, ...) and raises an AssertionError naming the first call it saw:

    grad = numpy_only(tanh_prime, z, exercise="tanh_prime")
"""
from torch.overrides import TorchFunctionMode


class _RecordTorchCalls(TorchFunctionMode):
    """Let every PyTorch call through, remembering its name."""

    def __init__(self):
        super().__init__()
        self.calls: list = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls.append(_readable(func))
        return func(*args, **(kwargs or {}))


def _readable(func) -> str:
    """`torch.tanh` for _VariableFunctionsClass.tanh, `Tensor.sum` for TensorBase.sum, ..."""
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None) or repr(func)
    owner, _, attr = name.rpartition(".")
    if owner == "_VariableFunctionsClass":
        return f"torch.{attr}"
    if owner == "TensorBase":
        return f"Tensor.{attr}"
    if owner == "getset_descriptor":   # an attribute read such as `.grad`
        return "a tensor attribute"
    return name


def numpy_only(fn, *args, exercise: str, **kwargs):
    """Return `fn(*args, **kwargs)`; raise AssertionError if it called any PyTorch function.

    Exceptions from `fn` itself propagate unchanged (an unfinished exercise still raises
    NotImplementedError).
    """
    recorder = _RecordTorchCalls()
    with recorder:
        result = fn(*args, **kwargs)
    if recorder.calls:
        used = ", ".join(dict.fromkeys(recorder.calls[:5]))
        raise AssertionError(
            f"{exercise} calls PyTorch ({used}): this exercise is done by hand, in NumPy. "
            "Work the derivative out on paper and write it with NumPy operations; "
            "torch.autograd is what the test compares your answer with.")
    return result
