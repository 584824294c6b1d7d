"""What a failed check says, from observations alone (helpers/agreement.py's), without torch.

helpers.checks raises these messages in the student's notebook; the grader (grading/feedback.py)
writes the same words into a feedback page from the values the test recorded, so a wrong
answer reads the same in both, and the grader never imports torch or trusts text from the
student's kernel.
"""

import numpy as np

from . import agreement as _agreement


def _text(what: str, expected, got, hint: str = "") -> str:
    return f"{what}: expected {expected}, got {got}{hint}"


def close_mismatch(what, got: dict, want: dict, rtol, atol, got_type: str = "") -> str:
    """The message for observations `got` and `want` (helpers.agreement) that check_close, or
    check_equal on arrays, refused; `got_type` names what was got when it is not an array."""
    g_shape, w_shape = _shape(got), _shape(want)
    if g_shape is None:
        return _text(what, "a number, array or tensor", got_type or "something else")
    if g_shape != w_shape:
        return _text(f"{what} (shape)", w_shape, g_shape)
    g, w = values_of(got), values_of(want)
    hint = _dtype_hint(_dtype(got), _dtype(want))
    if w.size <= 12:
        return _text(what, short(w), short(g), hint)
    with np.errstate(invalid="ignore"):
        diff = np.abs(g - w)
        bad = ~(diff <= atol + rtol * np.abs(w))  # NaN counts as wrong
    worst = int(np.nan_to_num(diff.reshape(-1), nan=np.inf).argmax())
    index = tuple(int(i) for i in np.unravel_index(worst, w.shape))
    return _text(
        f"{what}: {int(bad.sum())} of {w.size} elements differ (tolerance {atol} + "
        f"{rtol}*|expected|); the worst is at index {index}",
        number(w.reshape(-1)[worst]),
        number(g.reshape(-1)[worst]),
        hint,
    )


def _shape(obs):
    if "array" in obs:
        return tuple(obs["array"]["shape"])
    values = _agreement._as_array(obs)
    return None if values is None else tuple(values.shape)


def values_of(obs) -> np.ndarray:
    return _agreement._as_array(obs)


def _dtype(obs) -> str:
    return obs["array"]["dtype"] if "array" in obs else "float64"


_RESOLUTION = {"float16": 1e-3, "bfloat16": 8e-3, "float32": 1.2e-7}


def _dtype_hint(got_dtype: str, want_dtype: str) -> str:
    """A sentence naming the dtype when the answer's lower precision explains the mismatch."""
    if got_dtype == want_dtype or got_dtype not in _RESOLUTION:
        return ""
    if _RESOLUTION.get(want_dtype, 0) >= _RESOLUTION[got_dtype]:
        return ""
    if not want_dtype.startswith(("float", "bfloat", "complex")):
        return ""
    return (
        f" (note: your result is {got_dtype} but the expected value is {want_dtype}; "
        f"{got_dtype} keeps only about {-int(np.log10(_RESOLUTION[got_dtype]))} significant "
        "digits, so compute in the input's dtype)"
    )


def number(x) -> str:
    return f"{complex(x):.6g}" if np.iscomplexobj(x) else f"{float(x):.6g}"


def short(values: np.ndarray) -> str:
    if values.size == 1:
        return number(values.reshape(-1)[0])
    if np.iscomplexobj(values):
        flat = [complex(round(v.real, 6), round(v.imag, 6)) for v in values.reshape(-1).tolist()]
    else:
        flat = [round(v, 6) for v in values.reshape(-1).tolist()]
    return str(flat) + f" (shape {tuple(values.shape)})"
