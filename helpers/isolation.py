"""Test cells that mean the same thing whatever ran before them.

`isolate(test)` is the first statement of every test cell (the build writes it; masters do not):
it sets a fixed state for the test and puts the student's own state back when the cell has run,
also when it failed, through an IPython `post_run_cell` hook. The fixed state is

    random numbers   torch (every device), NumPy's global generator and Python's `random`,
                     seeded from the test's name (a grade_id), so each test has its own seed
    dtype, device    torch's default dtype float32 and default device cpu
    autograd         grad mode on, inference mode and autocast off
    NumPy errors     np.seterr's defaults

so a scratch cell that draws random numbers or calls the student's function once more, or a
`torch.set_default_dtype(torch.float64)` at the top, changes neither the test's inputs in the
student's notebook nor at grading (where the instructor's solution runs the same line).

`fill_parameters(module, seed)` gives a module's parameters (and floating buffers) values from a
local generator, in the order the module registers them, so a module test compares outputs
whatever (valid) initialisation the student chose.
"""

import contextlib
import random
import zlib

import numpy as np
import torch

from helpers.unfinished import explain_unfinished

_NUMPY_ERRORS = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}
_pending = None  # the student's state, while a test cell runs


def seed_for(test: str) -> int:
    """The seed a test cell's random numbers start from (the same in every run)."""
    return zlib.crc32(test.encode()) % 2**31


class _Saved:
    """The state a test cell changes, taken before it runs."""

    def __init__(self):
        self.torch_rng = torch.get_rng_state()
        self.cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
        self.numpy_rng = np.random.get_state()
        self.python_rng = random.getstate()
        self.dtype = torch.get_default_dtype()
        self.device = torch.get_default_device() if hasattr(torch, "get_default_device") else None
        self.grad = torch.is_grad_enabled()
        self.numpy_errors = np.geterr()
        self.contexts = contextlib.ExitStack()

    def restore(self) -> None:
        self.contexts.close()  # leaves inference_mode(False) and autocast(enabled=False)
        torch.set_rng_state(self.torch_rng)
        if self.cuda_rng is not None:
            torch.cuda.set_rng_state_all(self.cuda_rng)
        np.random.set_state(self.numpy_rng)
        random.setstate(self.python_rng)
        torch.set_default_dtype(self.dtype)
        if self.device is not None and str(torch.get_default_device()) != str(self.device):
            torch.set_default_device(self.device)
        torch.set_grad_enabled(self.grad)
        np.seterr(**self.numpy_errors)


def _fix(saved: _Saved, seed: int) -> None:
    torch.manual_seed(seed)  # every device
    np.random.seed(seed)
    random.seed(seed)
    torch.set_default_dtype(torch.float32)
    if saved.device is not None and str(saved.device) != "cpu":
        torch.set_default_device("cpu")
    torch.set_grad_enabled(True)
    if torch.is_inference_mode_enabled():
        saved.contexts.enter_context(torch.inference_mode(False))
    for device in ("cpu", "cuda"):
        try:
            on = torch.is_autocast_enabled(device)
        except (TypeError, RuntimeError):  # an older torch, or no such device type
            on = False
        if on:
            saved.contexts.enter_context(torch.autocast(device, enabled=False))
    np.seterr(**_NUMPY_ERRORS)


def isolate(test: str) -> None:
    """Give this test cell its fixed state; the student's comes back after the cell.

    Outside IPython (a plain script) the fixed state is set and stays.
    """
    global _pending
    if _pending is not None:  # a second isolate in one cell: keep the student's state
        _fix(_pending, seed_for(test))
        return
    saved = _Saved()
    _fix(saved, seed_for(test))
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is None:
        return
    _pending = saved
    explain_unfinished(shell)  # a stub's NotImplementedError: one line, not a traceback

    def restore(*_):
        global _pending
        shell.events.unregister("post_run_cell", restore)
        if _pending is saved:
            _pending = None
        saved.restore()

    shell.events.register("post_run_cell", restore)


def fill_parameters(module, seed: int = 0, by_name: bool = False):
    """Give every parameter and floating-point buffer of `module` values drawn from a local
    generator seeded with `seed`, in registration order: weights from N(0, 1/fan_in), biases
    and 1-d parameters from N(0, 0.1^2) around their kind's usual value (1 for a norm's scale
    and a running variance, 0 otherwise). Returns the module.

    Two modules with the same layers registered in the same order get the same values, however
    each was initialised, so their outputs can be compared exactly. With `by_name=True` each
    tensor's values depend on its name in the state dict instead (a generator per name), for
    modules whose layers have prescribed names but may be registered in any order.

    A test that fills the student's module and a reference module this way needs no reference
    object in the student's kernel to copy weights from (grading/verdict/rewrite.py drops the
    reference's statements there).
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        tensors = list(module.named_parameters()) + [
            (name, b) for name, b in module.named_buffers() if b.is_floating_point()
        ]
        for name, tensor in tensors:
            leaf = name.rsplit(".", 1)[-1]
            if by_name:
                generator = torch.Generator().manual_seed(seed + seed_for(name))
            noise = torch.randn(tensor.shape, generator=generator, dtype=torch.float64)
            if tensor.dim() >= 2:
                fan_in = tensor[0].numel()
                values = noise / fan_in**0.5
            else:
                centre = 1.0 if leaf in ("weight", "running_var") else 0.0
                values = centre + 0.1 * noise
                if leaf == "running_var":
                    values = values.abs()
            tensor.copy_(values.to(tensor.dtype))
    return module
