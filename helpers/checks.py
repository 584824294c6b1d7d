"""Self-checks used by the exercises' test cells: each failure says what was expected and got.

The comparisons use references to torch/NumPy functions captured when this module is first
imported (in the grading kernel: before any student cell runs), so an answer cell that rebinds
`torch.allclose` cannot make a test pass.

A failed check raises `CheckFailed`, an AssertionError whose IPython traceback (JupyterLab,
Colab, nbgrader's kernel) leaves out this module's frames: the student sees the test line (or
their own code's line) and the book's message, not the internals of the check. IPython's own
`__tracebackhide__` cannot do this alone: it never hides the frame that raised.

Besides the checks, test cells use three context managers:
  `case(what)`        a crash inside it (say a broadcasting RuntimeError) fails as "what: ...";
  `by_hand(exercise)` inside it, autograd is switched off and calling it fails with a message;
  `skip_if_unfinished(exercise)` for demo cells that need a student's function.
"""

import sys
import types

import numpy as np
import torch

_allclose = torch.allclose
_as_tensor = torch.as_tensor
_np_asarray = np.asarray
_isinstance = isinstance
_TRUSTED = {}


class CheckFailed(AssertionError):
    """A test cell's check failed; the message says what was expected and what was got."""

    def _render_traceback_(self) -> list:
        # IPython calls this (if present) instead of formatting the traceback itself.
        try:
            shell = sys.modules["IPython"].get_ipython()
            tb = _without_our_frames(self.__traceback__)
            return shell.InteractiveTB.structured_traceback(type(self), self, tb)
        except Exception:  # noqa: BLE001 -- a formatting problem must never hide the message
            return [f"{type(self).__name__}: {self}"]


def _without_our_frames(tb):
    """The traceback `tb` with this module's frames taken out (the others keep their order)."""
    frames = []
    while tb is not None:
        if tb.tb_frame.f_code.co_filename != __file__:
            frames.append((tb.tb_frame, tb.tb_lasti, tb.tb_lineno))
        tb = tb.tb_next
    rebuilt = None
    for frame, lasti, lineno in reversed(frames):
        rebuilt = types.TracebackType(rebuilt, frame, lasti, lineno)
    return rebuilt


def record_trusted_functions() -> None:
    """Remember this module's own functions; `verify_untouched()` fails if one is replaced."""
    _TRUSTED.update(
        {
            name: obj
            for name, obj in globals().items()
            if name.startswith("check_") and callable(obj)
        }
    )


def verify_untouched() -> None:
    for name, obj in _TRUSTED.items():
        if globals().get(name) is not obj:
            raise CheckFailed(
                f"helpers.checks.{name} was replaced during grading; "
                "remove the code that changes it and run the tests again."
            )


def _fail(what: str, expected, got, hint: str = "") -> None:
    raise CheckFailed(f"{what}: expected {expected}, got {got}{hint}")


def check_true(condition, message: str) -> None:
    """Fail with `message` (which should say what to fix) unless `condition` holds.

    `condition` is a bool, or one truth value in a tensor or array (`(x >= 0).all()`); a
    tensor of several values is refused with a note, since its truth is ambiguous.
    """
    verify_untouched()
    is_tensor = _isinstance(condition, torch.Tensor) and condition.dtype == torch.bool
    if is_tensor or (_isinstance(condition, np.ndarray) and condition.dtype == np.bool_):
        count = condition.numel() if is_tensor else condition.size
        if count != 1:
            raise CheckFailed(
                f"{message} (the check got {count} truth values, not one: use .all() or .any())"
            )
        condition = bool(condition.item())
    if condition is not True and not (_isinstance(condition, (bool, np.bool_)) and condition):
        raise CheckFailed(message)


def check_type(value, expected_type, what: str) -> None:
    verify_untouched()
    if not _isinstance(value, expected_type):
        names = getattr(expected_type, "__name__", str(expected_type))
        _fail(what, f"a {names}", f"{type(value).__name__} {value!r:.80}")


def check_equal(actual, expected, what: str) -> None:
    """Exact equality for Python values, shapes and integer tensors."""
    verify_untouched()
    if _isinstance(expected, torch.Tensor) or _isinstance(actual, torch.Tensor):
        check_close(actual, expected, what, rtol=0.0, atol=0.0)
        return
    if _isinstance(expected, torch.Size):
        expected = tuple(expected)
    if _isinstance(actual, torch.Size):
        actual = tuple(actual)
    if type(actual) is not type(expected) and not (
        _isinstance(actual, (int, float)) and _isinstance(expected, (int, float))
    ):
        _fail(
            what,
            f"{expected!r} ({type(expected).__name__})",
            f"{actual!r:.200} ({type(actual).__name__})",
        )
    if actual != expected:
        _fail(what, repr(expected), repr(actual))


def check_shape(value, shape, what: str) -> None:
    verify_untouched()
    got = getattr(value, "shape", None)
    if got is None:
        _fail(what, f"a tensor of shape {tuple(shape)}", f"{type(value).__name__} with no shape")
    if tuple(got) != tuple(shape):
        _fail(f"{what} (shape)", tuple(shape), tuple(got))


def check_close(actual, expected, what: str, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Numbers, arrays or tensors equal within `atol + rtol * |expected|`, element-wise.

    On a mismatch the message gives expected and got: all values for a small tensor, else the
    count of wrong elements and the worst one with its index; and it names a dtype difference
    (say float32 against float64) when that alone can explain the gap.
    """
    verify_untouched()
    if actual is None:
        _fail(what, "a value", "None (did the function forget to `return`?)")
    try:
        got = _to_tensor(actual)
    except (TypeError, ValueError, RuntimeError):
        _fail(what, "a number, array or tensor", f"{type(actual).__name__}")
    want = _to_tensor(expected)
    got, want = got.detach().cpu(), want.detach().cpu()
    got_dtype, want_dtype = got.dtype, want.dtype
    if tuple(got.shape) != tuple(want.shape):
        _fail(f"{what} (shape)", tuple(want.shape), tuple(got.shape))
    if got.dtype.is_complex or want.dtype.is_complex or got.dtype == torch.bool:
        got, want = (
            got.to(torch.complex128 if got.dtype.is_complex else torch.float64),
            want.to(got.dtype if got.dtype.is_complex else torch.float64),
        )
    else:
        got, want = got.to(torch.float64), want.to(torch.float64)
    if _allclose(got, want, rtol=rtol, atol=atol, equal_nan=False):
        return
    hint = _dtype_hint(got_dtype, want_dtype, got, want, rtol, atol)
    if want.numel() <= 12:
        _fail(what, _short(want), _short(got), hint)
    bad = ~((got - want).abs() <= atol + rtol * want.abs())  # NaN counts as wrong
    diff = (got - want).abs().nan_to_num(float("inf"))
    worst = int(diff.flatten().argmax())
    index = tuple(int(i) for i in np.unravel_index(worst, tuple(got.shape)))
    _fail(
        f"{what}: {int(bad.sum())} of {want.numel()} elements differ (tolerance {atol} + "
        f"{rtol}*|expected|); the worst is at index {index}",
        f"{float(want.flatten()[worst]):.6g}",
        f"{float(got.flatten()[worst]):.6g}",
        hint,
    )


_RESOLUTION = {torch.float16: 1e-3, torch.bfloat16: 8e-3, torch.float32: 1.2e-7}


def _dtype_hint(got_dtype, want_dtype, got, want, rtol, atol) -> str:
    """A sentence naming the dtype when the answer's lower precision explains the mismatch."""
    if got_dtype == want_dtype or not got_dtype.is_floating_point:
        return ""
    if got_dtype not in _RESOLUTION or (
        want_dtype.is_floating_point and _RESOLUTION.get(want_dtype, 0) >= _RESOLUTION[got_dtype]
    ):
        return ""
    return (
        f" (note: your result is {str(got_dtype).replace('torch.', '')} but the expected "
        f"value is {str(want_dtype).replace('torch.', '')}; {str(got_dtype).replace('torch.', '')}"
        f" keeps only about {-int(np.log10(_RESOLUTION[got_dtype]))} significant digits, so "
        "compute in the input's dtype)"
    )


def _to_tensor(value) -> torch.Tensor:
    # Through NumPy, so a Python float stays float64 (torch.as_tensor(0.1) would be float32
    # and fail a tight tolerance against a float64 answer).
    if _isinstance(value, torch.Tensor):
        return value
    return _as_tensor(_np_asarray(value))


def _short(t: torch.Tensor) -> str:
    if t.numel() == 1:
        return f"{float(t.reshape(())):.6g}"
    return str([round(v, 6) for v in t.flatten().tolist()]) + f" (shape {tuple(t.shape)})"


def passed(what: str) -> None:
    """The last line of a test cell's visible part: one short line that says it worked.

    Hidden tests (run only when the notebook is graded) may still find cases the visible ones
    do not cover, so the line says "visible tests".
    """
    print(f"\u2714 {what}: the visible tests pass.")


class case:  # lower case: used as `with case(...)`, like a function
    """Label a crash with the case that ran: inside, an exception from the student's code
    (a broadcasting RuntimeError, an IndexError, ...) fails the test as
    "what: your code raised RuntimeError: ...", not as a bare error with no context.

        with case("normalize_rows on a random 3x5 tensor"):
            check_close(normalize_rows(X), want, "normalize_rows on a random 3x5 tensor")

    AssertionError (a check's own failure) and NotImplementedError (an unfinished exercise)
    pass through unchanged.
    """

    def __init__(self, what: str):
        self.what = what

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None or issubclass(exc_type, (AssertionError, NotImplementedError)):
            return False
        if not issubclass(exc_type, Exception):  # KeyboardInterrupt, SystemExit: not a crash
            return False
        raise CheckFailed(f"{self.what}: your code raised {exc_type.__name__}: {exc}") from exc


# `by_hand` lives with the other "by hand" guards in helpers/by_hand.py; test cells import it from
# here with the checks.
from .by_hand import by_hand  # noqa: F401 -- re-exported for test cells


class skip_if_unfinished:  # lower case: used as `with skip_if_unfinished(...)`
    """Run a demo cell's body only if the exercises it calls are done.

        with skip_if_unfinished("Exercise 3 (normalize_rows)"):
            plot_rows(normalize_rows(X))

    An unfinished exercise raises NotImplementedError; instead of a traceback (and a half-drawn
    figure) the cell prints one line naming the exercise, and Run All goes on.
    """

    def __init__(self, exercise: str):
        self.exercise = exercise
        self._figures_before: set = set()

    def __enter__(self):
        self._figures_before = _open_figures()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None or not issubclass(exc_type, NotImplementedError):
            return False
        _close_figures(_open_figures() - self._figures_before)  # no half-drawn figure
        print(f"\u23ed This cell needs {self.exercise}: finish it, then run this cell again.")
        return True


def _open_figures() -> set:
    if "matplotlib.pyplot" not in sys.modules:  # never import pyplot just to look
        return set()
    return set(sys.modules["matplotlib.pyplot"].get_fignums())


def _close_figures(numbers: set) -> None:
    if numbers:
        import matplotlib.pyplot as plt

        for n in numbers:
            plt.close(n)
