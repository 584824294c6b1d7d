"""Self-checks used by the exercises' test cells: each failure says what was expected and got.

What each check accepts is defined once, in helpers/agreement.py, which the grader uses too:
a check here observes both values and asks `agree` (so a test that passes in the student's
notebook passes the grader's comparison). This module adds the messages, and keeps references
to the functions it relies on, captured when it is first imported (in the grading kernel:
before any student cell runs), so an answer cell that rebinds `torch.allclose` cannot make a
test pass.

A failed check raises `CheckFailed`, an AssertionError whose IPython traceback (JupyterLab,
Colab, nbgrader's kernel) leaves out this module's frames: the student sees the test line (or
their own code's line) and the book's message, not the internals of the check. IPython's own
`__tracebackhide__` cannot do this alone: it never hides the frame that raised.

Besides the checks, test cells use:
  `case(what)`        a crash inside it (say a broadcasting RuntimeError) fails as "what: ...";
  `by_hand(exercise)` inside it, autograd is switched off and calling it fails with a message;
  `skip_if_unfinished(exercise)` for demo cells that need a student's function;
  `isolate(test)`     the first line of every test cell (the build writes it): fixed seeds and
                      dtype for the test, the student's own state back afterwards;
  `fill_parameters(module, seed)` the same parameter values for any initialisation.
"""

import sys
import types

from . import agreement as _agreement
from . import messages as _messages
from .agreement import Unobservable

_agree, _observe, _expected = _agreement.agree, _agreement.observe, _agreement.expected
_isinstance = isinstance


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


def _fail(what: str, expected, got, hint: str = "") -> None:
    raise CheckFailed(f"{what}: expected {expected}, got {got}{hint}")


def check_true(condition, message: str) -> None:
    """Fail with `message` (which should say what to fix) unless `condition` holds.

    `condition` is a bool, or one truth value in a tensor or array (`(x >= 0).all()`); a
    tensor of several values is refused with a note, since its truth is ambiguous.
    """
    try:
        got = _observe("true", condition)
    except Unobservable as error:
        raise CheckFailed(f"{message} (the check got {error}: use .all() or .any())") from None
    if not _agree("true", got, _expected("true", True)):
        raise CheckFailed(message)


def check_type(value, expected_type, what: str) -> None:
    if not _agree("type", _observe("type", value, expected_type), _expected("type", True)):
        names = getattr(expected_type, "__name__", str(expected_type))
        _fail(what, f"a {names}", f"{type(value).__name__} {value!r:.80}")


def check_equal(actual, expected, what: str) -> None:
    """Exact equality: for Python values (2 == 2.0, a tuple against a torch.Size), and for
    arrays and tensors (same shape and values, whatever the dtype; a 0-d tensor against a
    number)."""
    want = _expected("equal", expected)
    try:
        got = _observe("equal", actual)
    except Unobservable as error:
        _fail(what, f"{expected!r:.200} ({type(expected).__name__})", str(error))
    if _agree("equal", got, want):
        return
    numeric = ("int", "float", "complex")
    if ("array" in got or "array" in want) and all(
        "array" in o or o.get("py") in numeric for o in (got, want)
    ):
        _explain_close(what, actual, got, want, 0.0, 0.0)
    if got.get("py") != want.get("py") and not (
        {got.get("py"), want.get("py")} <= {"int", "float", "complex"}
    ):
        _fail(
            what,
            f"{expected!r:.200} ({type(expected).__name__})",
            f"{actual!r:.200} ({type(actual).__name__})",
        )
    _fail(what, f"{expected!r:.200}", f"{actual!r:.200}")


def check_shape(value, shape, what: str) -> None:
    try:
        got = _observe("shape", value)
    except Unobservable:
        _fail(what, f"a tensor of shape {tuple(shape)}", f"{type(value).__name__} with no shape")
    if not _agree("shape", got, _expected("shape", shape)):
        _fail(f"{what} (shape)", tuple(shape), tuple(value.shape))


def check_close(actual, expected, what: str, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Numbers, arrays or tensors equal within `atol + rtol * |expected|`, element-wise.

    On a mismatch the message gives expected and got: all values for a small tensor, else the
    count of wrong elements and the worst one with its index; and it names a dtype difference
    (say float32 against float64) when that alone can explain the gap.
    """
    want = _expected("close", expected)
    try:
        got = _observe("close", actual)
    except Unobservable as error:
        if actual is None:
            _fail(what, "a value", "None (did the function forget to `return`?)")
        _fail(what, "a number, array or tensor", str(error))
    if _agree("close", got, want, rtol, atol):
        return
    _explain_close(what, actual, got, want, rtol, atol)


def _explain_close(what, actual, got: dict, want: dict, rtol, atol) -> None:
    """Raise the message for values that check_close (or check_equal on arrays) refused."""
    raise CheckFailed(_messages.close_mismatch(what, got, want, rtol, atol, type(actual).__name__))


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
from .isolation import fill_parameters, isolate  # noqa: F401 -- test cells use these


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
        print(f"\u00bb This cell needs {self.exercise}: finish it, then run this cell again.")
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
