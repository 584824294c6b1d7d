"""The verdict type that crosses processes: records, read and compared in the grader's process.

A record is {"kind": "close"|"equal"|"shape"|"type"|"true", "value": <encoded value>,
optional "rtol"/"atol"} or {"kind": ..., "error": "..."} (recorder.py writes them). Nothing here
imports torch or runs student code: values are JSON, compared with NumPy.
"""

import math

import numpy as np

from grading.verdict.kinds import DEFAULT_ATOL, DEFAULT_RTOL
from grading.verdict.recorder import MIME

__all__ = ["MAX_RECORD_BYTES", "MIME", "compare_cell", "extract", "matches"]

MAX_RECORD_BYTES = 20_000_000  # all records of one cell; more is malformed


def extract(outputs: list) -> tuple[list, list]:
    """Split a cell's outputs into (records, other outputs)."""
    records, rest = [], []
    for output in outputs:
        data = output.get("data", {}) if output.get("output_type") == "display_data" else {}
        if MIME in data:
            records.append(data[MIME])
        else:
            rest.append(output)
    return records, rest


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _scalar(x) -> complex | float:
    if isinstance(x, dict) and "float" in x:
        return float(x["float"])
    if isinstance(x, dict) and "complex" in x:
        re_, im = (_scalar(v) for v in x["complex"])
        return complex(re_, im)
    if isinstance(x, (bool, int, float)):
        return x
    raise ValueError("not a number")


def _array(encoded) -> np.ndarray:
    if not (isinstance(encoded, dict) and isinstance(encoded.get("array"), dict)):
        raise TypeError("not an array")
    body = encoded["array"]
    shape = tuple(int(n) for n in body["shape"])
    values = [_scalar(v) for v in body["values"]]
    if math.prod(shape) != len(values):
        raise ValueError("shape and values disagree")
    complex_ = any(isinstance(v, complex) for v in values)
    return np.array(values, dtype=np.complex128 if complex_ else np.float64).reshape(shape)


def _close(got: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> bool:
    # Both values are within tol of the expected one, so they are within 2x tol of each other.
    if got.shape != ref.shape:
        return False
    if not (np.isfinite(got).all() and np.isfinite(ref).all()):
        return bool(np.array_equal(got, ref, equal_nan=False)) and np.isfinite(ref).all()
    return bool(np.all(np.abs(got - ref) <= 2 * (atol + rtol * np.abs(ref))))


def _equal(got, ref) -> bool:
    """check_equal's rule on decoded values: same kind of value, exactly equal."""
    if isinstance(ref, dict) and "array" in ref:
        try:
            return _close(_array(got), _array(ref), 0.0, 0.0)
        except (ValueError, TypeError, KeyError):
            return False
    if not (isinstance(got, dict) and isinstance(ref, dict)):
        return False
    kinds = {got.get("py"), ref.get("py")}
    if kinds <= {"int", "float"}:  # check_equal accepts 2 == 2.0
        try:
            return _scalar(got["value"]) == _scalar(ref["value"])
        except (ValueError, KeyError):
            return False
    if got.get("py") != ref.get("py"):
        return False
    if ref.get("py") in ("tuple", "list", "dict"):
        g, r = got.get("items"), ref.get("items")
        if not (isinstance(g, list) and isinstance(r, list)) or len(g) != len(r):
            return False
        if ref["py"] == "dict":
            return all(
                isinstance(a, list) and len(a) == 2 and _equal(a[0], b[0]) and _equal(a[1], b[1])
                for a, b in zip(g, r)
            )
        return all(_equal(a, b) for a, b in zip(g, r))
    return got.get("value") == ref.get("value") and "value" in ref


def matches(got: dict, ref: dict) -> bool:
    """Does the student's record agree with the instructor's solution's record?"""
    if not isinstance(got, dict) or "error" in got or "error" in ref:
        return False
    kind = ref.get("kind")
    if got.get("kind") != kind or "value" not in got:
        return False
    try:
        if kind == "close":
            rtol = float(ref.get("rtol", DEFAULT_RTOL))
            atol = float(ref.get("atol", DEFAULT_ATOL))
            return _close(_array(got["value"]), _array(ref["value"]), rtol, atol)
        if kind in ("equal", "shape", "type", "true"):
            return _equal(got["value"], ref["value"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return False
    return False


def compare_cell(got: list, ref: list) -> str | None:
    """None if the cell's records all agree, else a message safe to show a student."""
    if len(got) != len(ref):
        return (
            f"the test recorded {len(got)} checked values where the solution records "
            f"{len(ref)}; a check was skipped or added"
        )
    # Numbered within the visible or the hidden part, as the solution's records say (the
    # student's own records could lie about which part they came from).
    parts = [("hidden" if r.get("hidden") else "visible") for r in ref]
    for index, (g, r) in enumerate(zip(got, ref)):
        if not matches(g, r):
            part = parts[index]
            number, total = parts[: index + 1].count(part), parts.count(part)
            return f"{part} check {number} of {total} did not match the expected value"
    return None
