"""The aten-level lock under helpers.by_hand's guards: it sees every op, however it was reached.

Swapping `F.conv2d` for a function that fails (what `forbid_builtins` does at the Python level)
misses a reference saved before the test, an alias, `torch._C._nn`, `torch.ops.aten` and the
library's own layers. Every one of those routes ends in the same place: an aten operator going
through the dispatcher. `AllowListMode`, a `TorchDispatchMode`, stands there and judges each op:

- its name must be on the exercise's allow-list (`elementary()`: element-wise arithmetic,
  reductions, views, indexing, creation, products; minus what the exercise forbids);
- no frame between the guard and the op may run a forbidden library function's code (the
  optimizers of torch.optim and F.max_pool2d's Python body only call elementary ops, so only
  the stack tells them apart from an answer written by hand);
- under `by_hand`, inference mode must still be on (switched off from inside, autograd would
  record again);
- where a root is forbidden (`sqrt`, `rsqrt`), a power must have a whole exponent: `r ** 2` is
  arithmetic, `a ** 0.5` and `2 ** (log2(a) / 2)` are the root by another name.

A library class whose code runs no op of its own (a container such as nn.Sequential: its
`__init__` only registers modules) is watched at Python calls instead (`LibraryCallWatch`).

A refused op raises AssertionError and is remembered, so an answer that catches the error still
fails when the guard closes. A student can also switch the mode itself off from inside; `Lock`
checks afterwards that its mode is still on top of the mode stack and still sees ops (a probe op
must be counted), and reports tampering as a violation too. Every violation also leaves a flag
for the TA in the graded notebook (helpers.grader_flags.flag_for_grader, read by
grading/preprocessors/kernel_flags.py); an in-kernel flag can be suppressed by a determined
student, which is why grading also scans the answers' source (grading/source_scan.py).
"""

import functools
import inspect
import os
import sys
from pathlib import Path

import torch
from torch.utils._python_dispatch import (
    TorchDispatchMode,
    _get_current_dispatch_mode_stack,
    _pop_mode,
    _push_mode,
)

from helpers.grader_flags import flag_for_grader

# Elementary aten ops: what a by-hand answer is made of. Every op tagged pointwise (add, mul,
# exp, where, comparisons, casts, ...) and the structural ops listed here. An op missing from
# this list fails honest work, so the list is generous; what it leaves out is the library's
# finished routines (convolution, im2col, pooling, norms, softmax, losses, ...).
_STRUCTURAL = frozenset(
    str.split(
        # creation and copies
        "empty empty_like empty_strided new_empty new_empty_strided zeros zeros_like ones ones_like "
        "full full_like new_zeros new_ones new_full scalar_tensor arange linspace logspace eye "
        "rand rand_like randn randn_like randint randint_like randperm normal_ uniform_ bernoulli "
        "bernoulli_ random_ multinomial lift_fresh lift_fresh_copy lift clone copy_ _to_copy "
        "_copy_from _copy_from_and_resize to detach detach_ alias resize_ set_ fill_ zero_ "
        # views and reshaping
        "_unsafe_view view view_as _reshape_alias reshape expand expand_as permute transpose "
        "transpose_ t t_ numpy_T squeeze squeeze_ unsqueeze unsqueeze_ flatten unflatten select "
        "slice slice_scatter select_scatter diagonal diagonal_scatter as_strided as_strided_ "
        "as_strided_scatter unbind split split_with_sizes chunk narrow unfold movedim contiguous "
        "cat stack hstack vstack flip roll rot90 repeat repeat_interleave tile tril triu diag "
        "diag_embed constant_pad_nd pad _pad_enum "
        # indexing
        "index index_put index_put_ _index_put_impl_ index_select index_add index_add_ index_copy "
        "index_copy_ index_fill index_fill_ gather scatter scatter_ scatter_add scatter_add_ "
        "scatter_reduce masked_fill masked_fill_ masked_scatter masked_select nonzero take "
        "take_along_dim put_ "
        # reductions, sorting, counting
        "sum mean prod amax amin max min aminmax argmax argmin all any var std var_mean std_mean "
        "cumsum cumprod cummax cummin sort topk kthvalue median nanmedian nansum nanmean "
        "count_nonzero unique _unique2 unique_dim unique_consecutive bincount histc searchsorted "
        "bucketize mode "
        # products
        "mm bmm mv dot vdot addmm addmv addbmm baddbmm outer ger matmul tensordot kron einsum "
        "inner trace chain_matmul linalg_multi_dot "
        # composites: inference mode (by_hand) sends them to the mode undecomposed
        "one_hot mT mH adjoint swapaxes swapdims moveaxis broadcast_to broadcast_tensors "
        "meshgrid diff block_diag argsort msort fliplr flipud diagflat tensor_split dsplit "
        "hsplit vsplit type_as sum_to_size reshape_as ravel atleast_1d atleast_2d atleast_3d "
        "negative floor_divide quantile nanquantile cartesian_prod is_floating_point "
        "is_complex size stride _shape_as_tensor "
        # scalars and metadata
        "_local_scalar_dense item is_nonzero equal allclose isclose is_same_size sym_size "
        "sym_numel sym_stride sym_storage_offset _has_compatible_shallow_copy_type dim numel "
        "result_type"
    )
)


@functools.cache
def elementary() -> frozenset:
    """_STRUCTURAL and every aten op tagged pointwise (read from torch's registry once)."""
    names = set(_STRUCTURAL)
    for name in dir(torch.ops.aten):
        packet = getattr(torch.ops.aten, name, None)
        try:
            overloads = [getattr(packet, o) for o in packet.overloads()]
        except (AttributeError, RuntimeError):
            continue
        if any(torch.Tag.pointwise in o.tags for o in overloads):
            names.add(name)
    return frozenset(names)


# Library functions whose aten ops are elementary (F.linear is `x @ W.T + b`): forbidding the
# function also forbids these ops, in exercises that ask for no layer to be run at all.
_ALSO_FORBIDS = {
    "linear": {"mm", "addmm", "bmm", "mv", "addmv", "matmul", "baddbmm", "addbmm"},
}
# A power with a fractional exponent is a root: forbidding a root forbids those powers too.
_ROOTS = frozenset({"sqrt", "rsqrt"})
_POWERS = frozenset({"pow", "float_power"})
_OPTIM = Path(inspect.getfile(torch.optim)).parent  # a torch.optim target forbids the package
_TORCH_DIR = str(Path(torch.__file__).parent) + os.sep


def allow_list(targets) -> frozenset:
    """elementary() minus the ops the named library functions are, or reduce to."""
    forbidden = set()
    for module, name in targets:
        if module is torch or module is torch.Tensor:  # torch.logaddexp is aten.logaddexp
            forbidden.add(name)  # (but F.unfold is im2col: Tensor.unfold stays allowed)
        elif module is torch.linalg or module is torch.special:  # aten.linalg_vector_norm
            forbidden.add(f"{module.__name__.rpartition('.')[2]}_{name}")
        forbidden |= _ALSO_FORBIDS.get(name, set())
    return elementary() - forbidden


def forbids_roots(targets) -> bool:
    """Do the targets forbid a square root (so `x ** 0.5` must be refused too)?"""
    return any(name in _ROOTS for _, name in targets)


def _whole(exponent) -> bool:
    if isinstance(exponent, torch.Tensor):  # runs outside the mode: a handler's own ops do
        return bool(torch.all(exponent == torch.round(exponent)))
    return float(exponent).is_integer()


def _fractional_power(func, args) -> bool:
    """aten.pow / float_power with an exponent that is not a whole number (any overload:
    Tensor ** Scalar, Tensor ** Tensor, Scalar ** Tensor)."""
    if func.overloadpacket.__name__.rstrip("_") not in _POWERS or len(args) < 2:
        return False
    return not _whole(args[1])


def _codes_of(obj, seen: set) -> None:
    """Code objects a Python library callable runs: the function (unwrapped, its closure's
    functions: F.max_pool2d is a boolean_dispatch closure) or every method of a class."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, type):
        for klass in obj.__mro__:
            if klass in (object, torch.nn.Module) or not klass.__module__.startswith("torch"):
                continue
            for member in vars(klass).values():
                _codes_of(getattr(member, "__func__", member), seen)
        return
    code = getattr(obj, "__code__", None)
    if code is None:
        return  # a builtin: the aten allow-list judges it
    seen.add(code)
    for cell in getattr(obj, "__closure__", None) or ():
        try:
            _codes_of(cell.cell_contents, seen)
        except ValueError:  # an empty cell
            pass
    wrapped = getattr(obj, "__wrapped__", None)
    if wrapped is not None:
        _codes_of(wrapped, seen)


def library_code(targets) -> tuple[frozenset, tuple]:
    """(code objects, source folders) of the Python functions and classes among the targets."""
    seen: set = set()
    folders = set()
    for module, name in targets:
        obj = getattr(module, name)
        _codes_of(obj, seen)
        try:
            if Path(inspect.getfile(obj)).is_relative_to(_OPTIM):
                folders.add(str(_OPTIM) + os.sep)
        except TypeError:  # a builtin has no file
            pass
    codes = frozenset(c for c in seen if not isinstance(c, int))
    return codes, tuple(sorted(folders))


class AllowListMode(TorchDispatchMode):
    """Judge every aten op run inside; see the module docstring for the three rules."""

    def __init__(
        self,
        exercise,
        allowed=None,
        codes=frozenset(),
        folders=(),
        inference=False,
        message=None,
        strict=True,
        whole_powers=False,
    ):
        super().__init__()
        self.whole_powers = whole_powers  # True: pow only with a whole exponent (no roots)
        self.strict = strict  # False: remember violations, let the op run (numpy_only's names)
        self.exercise = exercise
        self.message = message or violation_message  # (exercise, why) -> the student's message
        self.allowed = allowed  # None: any op (by_hand only asks for inference mode)
        self.codes = codes
        self.folders = folders
        self.inference = inference
        self.violations: list[str] = []
        self.seen = 0  # ops judged: the probe checks the mode still sees them
        self._refused_ops: dict = {}  # OpOverload -> not on the allow-list
        self.entry_frame = None  # frames above it belong to the test, not the answer

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # Else torch wraps __torch_dispatch__ in torch._dynamo.disable, whose first call imports
        # torch._dynamo (5 s on 2 cores); nothing here is ever compiled.
        return False

    def _judge(self, func, args=()) -> str | None:
        if self.inference and not torch.is_inference_mode_enabled():
            return "switched inference mode off (torch.inference_mode(False)) to use autograd"
        if self.whole_powers and _fractional_power(func, args):
            return f"took a root as a fractional power ({func.namespace}.{func.overloadpacket.__name__})"
        if self.allowed is not None:
            refused = self._refused_ops.get(func)
            if refused is None:  # first time this op runs: look its name up once
                name = func.overloadpacket.__name__
                refused = func.namespace != "aten" or name not in self.allowed
                self._refused_ops[func] = refused
            if refused:
                name = func.overloadpacket.__name__
                return f"reached the library routine {func.namespace}.{name}"
        frame = sys._getframe(2)  # the Python code that ran the op
        # Library code runs its ops from torch's own files; an op the answer runs itself has
        # no library code to find (what the library does, it does from its files): walk only
        # then, so an honest loop pays one frame lookup per op.
        if (self.codes or self.folders) and frame.f_code.co_filename.startswith(_TORCH_DIR):
            while frame is not None and frame is not self.entry_frame:
                code = frame.f_code
                if code in self.codes or code.co_filename.startswith(self.folders or "\0"):
                    return _ran(code)
                frame = frame.f_back
        return None

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.seen += 1
        why = self._judge(func, args)
        if why is not None:
            message = self.message(self.exercise, why)
            self.violations.append(message)
            if self.strict:
                raise AssertionError(message)
        return func(*args, **(kwargs or {}))


def _ran(code) -> str:
    return f"ran the library's {code.co_qualname} ({Path(code.co_filename).name})"


def violation_message(exercise: str, why: str) -> str:
    return (
        f"{exercise} is to be done by hand, but the answer {why}. "
        "Write it with elementary tensor operations (arithmetic, indexing, sums, products)."
    )


# The mode's own methods, as defined here: an answer that patches the class is caught.
_METHODS = {name: AllowListMode.__dict__[name] for name in ("__torch_dispatch__", "_judge")}
_RULES = (
    "allowed",
    "codes",
    "folders",
    "inference",
    "message",
    "exercise",
    "entry_frame",
    "strict",
    "whole_powers",
)


class Lock:
    """Push an AllowListMode for a block; on exit, fail (and flag) if it saw a violation or was
    switched off from inside. Used by helpers.by_hand's three guards."""

    def __init__(self, mode: AllowListMode):
        self.mode = mode
        self._rules: tuple = ()

    def enter(self, depth: int = 2) -> None:
        self.mode.entry_frame = sys._getframe(depth)
        self._rules = tuple(getattr(self.mode, name) for name in _RULES)
        self.mode.__enter__()

    def _tampering(self) -> str | None:
        stack = _get_current_dispatch_mode_stack()
        if self.mode not in stack:
            return "removed the guard's dispatch mode from the mode stack"
        if stack[-1] is not self.mode:
            return "pushed its own dispatch mode over the guard's"
        if (
            type(self.mode) is not AllowListMode
            or any(
                AllowListMode.__dict__.get(name) is not method for name, method in _METHODS.items()
            )
            or any(name in vars(self.mode) for name in _METHODS)
        ):
            return "replaced the guard's dispatch mode's code"
        if any(getattr(self.mode, n, None) is not r for n, r in zip(_RULES, self._rules)):
            return "changed the guard's rules"
        allowed = self.mode.allowed
        if allowed is not None and any(
            refused != (f.namespace != "aten" or f.overloadpacket.__name__ not in allowed)
            for f, refused in dict(getattr(self.mode, "_refused_ops", {})).items()
        ):
            return "changed the guard's rules"
        before = self.mode.seen
        allowed, self.mode.allowed = self.mode.allowed, None
        inference, self.mode.inference = self.mode.inference, False
        try:
            torch.zeros(())  # the probe: a live mode counts it
        except Exception:  # noqa: BLE001 -- whatever broke the probe, the mode was tampered with
            return "broke the guard's dispatch mode"
        finally:
            self.mode.allowed, self.mode.inference = allowed, inference
        if self.mode.seen != before + 1:
            return "switched the guard's dispatch mode off"
        return None

    def exit(self, extra_tampering: str | None = None) -> str | None:
        """Close the lock; return the message of the first violation (None: clean)."""
        try:
            tampered = self._tampering() or extra_tampering
        finally:
            for name in _METHODS:
                vars(self.mode).pop(name, None)
            if self.mode in _get_current_dispatch_mode_stack():
                while _get_current_dispatch_mode_stack()[-1] is not self.mode:
                    _pop_mode()  # a mode the answer pushed and left: gone with the guard
            else:
                _push_mode(self.mode)  # popped by the answer: back, so __exit__ restores all
            self.mode.__exit__(None, None, None)
        if tampered is not None:
            self.mode.violations.insert(0, self.mode.message(self.mode.exercise, tampered))
        if not self.mode.violations:
            return None
        first = self.mode.violations[0]
        flag_for_grader("by_hand", first)
        return first


class LibraryCallWatch:
    """Remember every Python call into a forbidden library class's code while a block runs.

    The op-level walk looks at the stack only when an op runs, so it cannot see library code
    that runs no op: `class MySequential(nn.Sequential)`, or `nn.Sequential.__init__(self, ...)`
    borrowed by hand, only registers modules. A profile hook (sys.setprofile: one check per
    Python call, installed only for class targets) sees those calls. It records and lets the
    call run (a profile hook must not raise); the guard reports the first one when it closes.
    An answer that removes the hook is caught by `tampered()`.
    """

    def __init__(self, codes: frozenset, folders: tuple):
        self.codes = codes
        self.folders = folders or "\0"  # str.startswith takes a tuple; "\0" matches no file
        self.calls: list[str] = []
        self._previous = None
        self._hook = self._on_event  # one bound method, so `is` can tell it was replaced

    def _on_event(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            library = code in self.codes or code.co_filename.startswith(self.folders)
            if library and len(self.calls) < 5:
                self.calls.append(_ran(code))
        if self._previous is not None:  # a profiler that was already on keeps working
            self._previous(frame, event, arg)

    def enter(self) -> None:
        self._previous = sys.getprofile()
        sys.setprofile(self._hook)

    def tampered(self) -> str | None:
        if sys.getprofile() is not self._hook:
            return "switched the guard's call watcher off (sys.setprofile)"
        return None

    def exit(self) -> None:
        sys.setprofile(self._previous)
