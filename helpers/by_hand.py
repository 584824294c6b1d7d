"""Test helpers for exercises done "by hand": they fail an answer that lets PyTorch do the work.

Three guards, for the three kinds of "by hand" exercise:
- `numpy_only(fn, *args, exercise=...)` (chapter 3's NumPy derivatives and backprop): watches
  every PyTorch call while the answer runs (a `TorchFunctionMode` sees `torch.tensor`,
  `Tensor.backward`, `torch.autograd.grad`, `torch.func` transforms, ...) and raises an
  AssertionError naming the first calls it saw.
- `with by_hand(exercise): ...` (chapter 4's torch gradients written by hand): runs the answer in
  `torch.inference_mode()`, where autograd records nothing and `torch.enable_grad()` cannot
  switch recording back on, so `backward()` or `torch.autograd.grad` fails; the guard turns
  autograd's "does not require grad" into one sentence saying what the exercise asks for.
- `with forbid_builtins(exercise, (F, "conv2d"), ...): ...` (chapters 5 and 7's layers written
  with tensor arithmetic): each named library function raises an AssertionError inside the
  block, so an answer that hands the work to `nn.Conv2d` or `nn.BatchNorm2d` (which call
  `F.conv2d`, `F.batch_norm`) fails with a message instead of passing. The originals are put
  back on exit, also on error.
"""

import contextlib

import torch
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
    if owner == "getset_descriptor":  # an attribute read such as `.grad`
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
            "torch.autograd is what the test compares your answer with."
        )
    return result


# The messages autograd raises when asked to differentiate something it did not record.
_AUTOGRAD_REFUSALS = (
    "does not require grad",
    "inference tensor",
    "inference mode",
    "InferenceMode",
)


def _autograd_entry_points() -> list:
    """Every public way into autograd, as (owner, attribute name); torch.func's transforms
    only if it is imported (if not, no answer can hold a reference to them)."""
    import sys

    points = [(torch.Tensor, "backward"), (torch.autograd, "backward"), (torch.autograd, "grad")]
    points += [
        (torch.autograd.functional, name)
        for name in ("jacobian", "hessian", "vjp", "jvp", "vhp", "hvp")
    ]
    func = sys.modules.get("torch.func")
    if func is not None:
        points += [
            (func, name)
            for name in ("grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian")
            if hasattr(func, name)
        ]
    return points


class by_hand:  # lower case: used as `with by_hand(...)`, like a function
    """`with by_hand("Exercise 5 (softmax_cross_entropy)"): result = f(x)`.

    Two locks: every public autograd entry point (`backward`, `torch.autograd.grad`,
    `torch.autograd.functional.*`, `torch.func`'s transforms) is replaced by one that fails with
    a message saying what the exercise asks for; and the block runs in `torch.inference_mode()`,
    where nothing is recorded and `torch.enable_grad()` cannot switch recording back on, so even
    a reference to autograd taken earlier fails. Compute any autograd reference before the
    block. Tensors made inside are inference tensors: read them freely afterwards (compare,
    print), but do not use them in a computation autograd should record.
    """

    def __init__(self, exercise: str):
        self.exercise = exercise
        self._mode = torch.inference_mode()
        self._saved: list = []

    def _message(self) -> str:
        return (
            f"{self.exercise} asks for the derivative worked out by hand, as a formula; "
            "your answer calls autograd (backward, torch.autograd.grad or torch.func), "
            "which this test switches off. Write the closed form instead."
        )

    def _refuse(self, *args, **kwargs):
        raise AssertionError(self._message())

    def __enter__(self):
        self._saved = [
            (owner, name, getattr(owner, name)) for owner, name in _autograd_entry_points()
        ]
        for owner, name, _ in self._saved:
            setattr(owner, name, self._refuse)
        self._mode.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self._mode.__exit__(exc_type, exc, tb)
        for owner, name, original in self._saved:
            setattr(owner, name, original)
        if (
            exc_type is not None
            and issubclass(exc_type, RuntimeError)
            and any(text in str(exc) for text in _AUTOGRAD_REFUSALS)
        ):
            raise AssertionError(self._message()) from None
        return False


@contextlib.contextmanager
def forbid_builtins(exercise: str, *targets):
    """Replace each `(module, "name")` attribute by a function that fails, for the block."""
    saved = []
    try:
        for module, name in targets:
            original = getattr(module, name)  # AttributeError here: a typo in the test cell
            saved.append((module, name, original))
            setattr(module, name, _refusal(exercise, f"{module.__name__}.{name}"))
        yield
    finally:
        for module, name, original in reversed(saved):
            setattr(module, name, original)


def _refusal(exercise: str, qualified: str):
    def refuse(*args, **kwargs):
        raise AssertionError(
            f"{exercise} is to be written by hand, but it called {qualified} "
            "(directly or through a layer such as nn.BatchNorm2d or "
            "nn.Conv2d). Use tensor arithmetic instead."
        )

    return refuse
