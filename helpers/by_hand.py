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

Under all three, an aten-level lock (helpers/by_hand_guard.py) sees every op however it was
reached (a saved reference, an alias, `torch._C`, `torch.ops.aten`, a layer): `forbid_builtins`
allows only elementary ops and no forbidden library code on the stack, `numpy_only` no op at all,
`by_hand` any op but only in inference mode. An answer that switches the lock off from inside
(`torch.inference_mode(False)`, popping the mode, restoring a function) fails when the block
closes, and leaves a flag for the TA when nbgrader grades the notebook.
"""

import torch
from torch.overrides import TorchFunctionMode

from helpers.by_hand_guard import (
    AllowListMode,
    LibraryCallWatch,
    Lock,
    allow_list,
    forbids_roots,
    library_code,
)


class _RecordTorchCalls(TorchFunctionMode):
    """Let every PyTorch call through, remembering its name."""

    def __init__(self):
        super().__init__()
        self.calls: list = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if not isinstance(func, torch._ops.OpOverload):  # torch.tensor's inner aten call: the
            self.calls.append(_readable(func))  # Python name is clearer; the lock sees aten
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


def _numpy_message(exercise: str, used: str) -> str:
    return (
        f"{exercise} calls PyTorch ({used}): this exercise is done by hand, in NumPy. "
        "Work the derivative out on paper and write it with NumPy operations; "
        "torch.autograd is what the test compares your answer with."
    )


def numpy_only(fn, *args, exercise: str, **kwargs):
    """Return `fn(*args, **kwargs)`; raise AssertionError if it called any PyTorch function.

    Exceptions from `fn` itself propagate unchanged (an unfinished exercise still raises
    NotImplementedError).
    """
    recorder = _RecordTorchCalls()
    # Not strict: the answer runs on, so the message can name its Python calls (torch.tanh).
    lock = Lock(AllowListMode(exercise, allowed=frozenset(), message=_numpy_message, strict=False))
    lock.enter(depth=1)
    try:
        with recorder:
            result = fn(*args, **kwargs)
    finally:
        violation = lock.exit()
    if recorder.calls:  # names the Python call (torch.tanh), clearer than the aten op
        used = ", ".join(dict.fromkeys(recorder.calls[:5]))
        raise AssertionError(_numpy_message(exercise, used)) from None
    if violation is not None:
        raise AssertionError(violation)
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


def _restored(saved: list, refusal) -> bool:
    """Did the answer put back one of the functions the guard switched off?"""
    return any(getattr(owner, name) is not refusal(owner, name) for owner, name, _ in saved)


class by_hand:  # lower case: used as `with by_hand(...)`, like a function
    """`with by_hand("Exercise 5 (softmax_cross_entropy)"): result = f(x)`.

    Three locks: every public autograd entry point (`backward`, `torch.autograd.grad`,
    `torch.autograd.functional.*`, `torch.func`'s transforms) is replaced by one that fails with
    a message saying what the exercise asks for; the block runs in `torch.inference_mode()`,
    where nothing is recorded and `torch.enable_grad()` cannot switch recording back on, so even
    a reference to autograd taken earlier fails; and an aten-level mode fails any op run with
    inference mode switched off from inside. Compute any autograd reference before the
    block. Tensors made inside are inference tensors: read them freely afterwards (compare,
    print), but do not use them in a computation autograd should record.
    """

    def __init__(self, exercise: str):
        self.exercise = exercise
        self._saved: list = []

    def _message(self, exercise=None, why=None) -> str:
        found = (
            f"the answer {why}"
            if why
            else ("your answer calls autograd (backward, torch.autograd.grad or torch.func)")
        )
        return (
            f"{self.exercise} asks for the derivative worked out by hand, as a formula; "
            f"{found}, which this test switches off. Write the closed form instead."
        )

    def _refuse(self, *args, **kwargs):
        raise AssertionError(self._message())

    def __enter__(self):
        # Made before the patches: torch.inference_mode() looks at torch's own functions.
        self._mode = torch.inference_mode()
        self._saved = [
            (owner, name, getattr(owner, name)) for owner, name in _autograd_entry_points()
        ]
        self._refusal = self._refuse  # one bound method, so `is` can tell it was put back
        for owner, name, _ in self._saved:
            setattr(owner, name, self._refusal)
        self._mode.__enter__()
        self._lock = Lock(AllowListMode(self.exercise, inference=True, message=self._message))
        self._lock.enter()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        tampered = None
        if _restored(self._saved, lambda owner, name: self._refusal):
            tampered = "put back an autograd function the test switched off"
        elif not torch.is_inference_mode_enabled():
            tampered = "left inference mode (torch.inference_mode(False))"
        violation = self._lock.exit(tampered)
        self._mode.__exit__(exc_type, exc, tb)
        for owner, name, original in self._saved:
            setattr(owner, name, original)
        if violation is not None and not (
            exc_type is not None and issubclass(exc_type, AssertionError)
        ):
            raise AssertionError(violation) from None
        if (
            exc_type is not None
            and issubclass(exc_type, RuntimeError)
            and any(text in str(exc) for text in _AUTOGRAD_REFUSALS)
        ):
            raise AssertionError(self._message()) from None
        return False


# forbid_builtins' default advice.
_ARITHMETIC = "Write it with elementary tensor operations (arithmetic, indexing, sums, products)."


class forbid_builtins:  # lower case: used as `with forbid_builtins(...)`, like a function
    """Replace each `(module, "name")` attribute by a function that fails, for the block; and
    allow only elementary aten ops (helpers/by_hand_guard.elementary() minus the named functions)
    with none of the named Python functions on the stack, however they were reached.

    A named class (nn.Sequential, torch.optim.SGD) is also watched at every Python call into its
    code (helpers/by_hand_guard.LibraryCallWatch): a subclass or a borrowed method that runs no
    op is caught too. Naming a root (`(torch, "sqrt")`) also refuses fractional powers
    (`a ** 0.5`). `instead` is the message's last sentence: what the answer should do.
    """

    def __init__(self, exercise: str, *targets, instead: str = _ARITHMETIC):
        self.exercise = exercise
        self.targets = targets
        self.instead = instead

    def _message(self, exercise: str, why: str) -> str:
        return f"{exercise} is to be done by hand, but the answer {why}. {self.instead}"

    def __enter__(self):
        self._saved, self._refusals, self._refused = [], {}, []
        for module, name in self.targets:
            getattr(module, name)  # AttributeError here: a typo in the test cell
        codes, folders = library_code(self.targets)
        try:
            for module, name in self.targets:
                original = getattr(module, name)
                self._saved.append((module, name, original))
                refusal = _refusal(
                    self.exercise, f"{module.__name__}.{name}", self._refused, self.instead
                )
                self._refusals[(id(module), name)] = refusal
                setattr(module, name, refusal)
        except BaseException:
            self._restore()
            raise
        mode = AllowListMode(
            self.exercise,
            allowed=allow_list(self.targets),
            codes=codes,
            folders=folders,
            message=self._message,
            whole_powers=forbids_roots(self.targets),
        )
        classes = any(isinstance(original, type) for _, _, original in self._saved)
        self._watch = LibraryCallWatch(codes, folders) if classes else None
        self._lock = Lock(mode)
        self._lock.enter()
        if self._watch is not None:
            self._watch.enter()
        return self

    def _restore(self) -> None:
        for module, name, original in reversed(self._saved):
            setattr(module, name, original)

    def __exit__(self, exc_type, exc, tb) -> bool:
        tampered = None
        if self._watch is not None:
            tampered = self._watch.tampered()
            self._watch.exit()
            mode = self._lock.mode
            self._refused.extend(mode.message(self.exercise, call) for call in self._watch.calls)
        if _restored(self._saved, lambda owner, name: self._refusals[(id(owner), name)]):
            tampered = "put back a library function the test switched off"
        self._lock.mode.violations.extend(self._refused)
        violation = self._lock.exit(tampered)
        self._restore()
        if violation is not None and not (
            exc_type is not None and issubclass(exc_type, AssertionError)
        ):
            raise AssertionError(violation) from None
        return False


def _refusal(exercise: str, qualified: str, refused: list, instead: str):
    if instead is _ARITHMETIC:
        message = (
            f"{exercise} is to be written by hand, but it called {qualified} "
            "(directly or through a layer such as nn.BatchNorm2d or "
            "nn.Conv2d). Use tensor arithmetic instead."
        )
    else:
        message = f"{exercise} is to be written by hand, but it called {qualified}. {instead}"

    def refuse(*args, **kwargs):
        refused.append(message)
        raise AssertionError(message)

    return refuse
