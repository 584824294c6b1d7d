"""Self-checks used by the exercises' test cells: each failure says what was expected and got.

The comparisons use references to torch/NumPy functions captured when this module is first
imported (in the grading kernel: before any student cell runs), so an answer cell that rebinds
`torch.allclose` cannot make a test pass.
"""
import numpy as np
import torch

_allclose = torch.allclose
_as_tensor = torch.as_tensor
_np_asarray = np.asarray
_isinstance = isinstance
_TRUSTED = {}


def record_trusted_functions() -> None:
    """Remember this module's own functions; `verify_untouched()` fails if one is replaced."""
    _TRUSTED.update({name: obj for name, obj in globals().items()
                     if name.startswith("check_") and callable(obj)})


def verify_untouched() -> None:
    for name, obj in _TRUSTED.items():
        if globals().get(name) is not obj:
            raise AssertionError(f"helpers.checks.{name} was replaced during grading; "
                                 "remove the code that changes it and run the tests again.")


def _fail(what: str, expected, got) -> None:
    raise AssertionError(f"{what}: expected {expected}, got {got}")


def check_true(condition, message: str) -> None:
    """Fail with `message` (which should say what to fix) unless `condition` holds."""
    verify_untouched()
    if condition is not True and not (_isinstance(condition, (bool, np.bool_)) and condition):
        raise AssertionError(message)


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
            _isinstance(actual, (int, float)) and _isinstance(expected, (int, float))):
        _fail(what, f"{expected!r} ({type(expected).__name__})",
              f"{actual!r:.200} ({type(actual).__name__})")
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
    """Numbers, arrays or tensors equal within `atol + rtol * |expected|`, element-wise."""
    verify_untouched()
    if actual is None:
        _fail(what, "a value", "None (did the function forget to `return`?)")
    try:
        got = _to_tensor(actual)
    except (TypeError, ValueError, RuntimeError):
        _fail(what, "a number, array or tensor", f"{type(actual).__name__}")
    want = _to_tensor(expected)
    got, want = got.detach().cpu(), want.detach().cpu()
    if tuple(got.shape) != tuple(want.shape):
        _fail(f"{what} (shape)", tuple(want.shape), tuple(got.shape))
    if got.dtype.is_complex or want.dtype.is_complex or got.dtype == torch.bool:
        got, want = got.to(torch.complex128 if got.dtype.is_complex else torch.float64), \
            want.to(got.dtype if got.dtype.is_complex else torch.float64)
    else:
        got, want = got.to(torch.float64), want.to(torch.float64)
    if not _allclose(got, want, rtol=rtol, atol=atol, equal_nan=False):
        diff = (got - want).abs()
        worst = int(diff.nan_to_num(float("inf")).argmax()) if diff.numel() else 0
        if want.numel() <= 12:
            _fail(what, _short(want), _short(got))
        _fail(what, f"values within {atol} + {rtol}*|expected|",
              f"a difference of {float(diff.flatten()[worst]):.4g} at flat index {worst}")


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


class skip_if_unfinished:  # noqa: N801 -- used as `with skip_if_unfinished(...)`, like a function
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
    import sys

    if "matplotlib.pyplot" not in sys.modules:  # never import pyplot just to look
        return set()
    return set(sys.modules["matplotlib.pyplot"].get_fignums())


def _close_figures(numbers: set) -> None:
    if numbers:
        import matplotlib.pyplot as plt

        for n in numbers:
            plt.close(n)
