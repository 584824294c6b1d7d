"""What the checks accept, defined once: used by helpers.checks in the student's notebook and by
grading/verdict/records.py when the grader compares a submission's records with the solution's.

A check looks at a value through `observe(kind, value)`, which turns it into plain data (numbers,
strings, nested lists; arrays as dtype, shape and values) and `agree(kind, got, want, ...)`
decides. In the notebook `want` is the observed expected value; at grading it is the solution's
observed value, read back from JSON (`to_json` / `from_json`), with check_close's tolerance
doubled (the student's and the solution's values are each within it of the expected one).

The rules, per kind of check:
- close: numbers, sequences, arrays and tensors as arrays of one shape, equal within
  `atol + rtol * |want|` element-wise; dtype does not matter; NaN never agrees; an infinity
  agrees only with the same infinity.
- equal: if either side is an array or tensor, the other must be one too, or a number: same
  shape, exactly equal values (dtype does not matter, so a 0-d tensor agrees with a Python
  number; a truth value only with a truth value). Otherwise by structure: int and float by value (2 == 2.0), bool only with bool, str and None exactly,
  tuple (torch.Size is a tuple) and list element-wise and of their own kind, dict by keys and
  values (any order), set as a set; dtypes, devices and classes by name.
- shape: the value's shape as a tuple of ints against the stated one.
- type / true: the boolean the check computes (isinstance; one truth value) against True.

Runs in the student's kernel and in the grader: it imports NumPy only (torch through
sys.modules, when the kernel has it), so the grader never imports torch.
"""

import math
import sys

import numpy as np

KINDS = ("close", "equal", "shape", "type", "true")
# Kinds whose observation is one boolean the student's process computes: a patched recorder can
# forge these, so every test cell also needs a close/equal check (see the README).
BOOLEAN_KINDS = frozenset({"type", "true"})
# Beyond this many numbers a value cannot be checked (a record stays a few MB at most).
MAX_NUMBERS = 200_000
GRADING_WIDEN = 2.0  # check_close's tolerance at grading, as a multiple of the stated one


class Unobservable(ValueError):
    """The value cannot be looked at by this kind of check (the message says why)."""


# -- observing ---------------------------------------------------------------------------------
def _torch():
    return sys.modules.get("torch")


def _is_tensor(value) -> bool:
    torch = _torch()
    return torch is not None and isinstance(value, torch.Tensor)


def _array(value) -> dict:
    """{"array": {dtype, shape, values}} of a tensor, ndarray or anything np.asarray takes."""
    torch = _torch()
    if _is_tensor(value):
        # A plain tensor first: a subclass's __torch_function__ must not run in the conversion.
        with torch._C.DisableTorchFunction():
            plain = torch.Tensor.detach(value).cpu().resolve_conj().resolve_neg()
            dtype = str(plain.dtype).replace("torch.", "")
            array = plain.numpy() if plain.dtype != torch.bfloat16 else plain.float().numpy()
    else:
        try:
            array = np.asarray(value)
        except (TypeError, ValueError) as error:
            raise Unobservable(f"not a number, array or tensor ({type(value).__name__})") from error
        dtype = str(array.dtype)
    if array.dtype.kind not in "biufc":
        raise Unobservable(f"not a number, array or tensor ({type(value).__name__})")
    if array.size > MAX_NUMBERS:
        raise Unobservable(f"{array.size} numbers is more than a check may look at")
    array = np.array(array, copy=True)  # a plain ndarray, whatever subclass came in
    values = array.astype(np.complex128 if array.dtype.kind == "c" else np.float64)
    return {"array": {"dtype": dtype, "shape": list(array.shape), "values": values}}


def _structure(value):
    """Plain data for a Python value (check_equal's view of anything that is not an array)."""
    torch = _torch()
    if value is None:
        return {"py": "None", "value": None}
    if isinstance(value, str):
        if len(value) >= 10_000:
            raise Unobservable("a string of 10000 characters or more")
        return {"py": "str", "value": str(value)}
    if isinstance(value, (bool, np.bool_)):
        return {"py": "bool", "value": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"py": "int", "value": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"py": "float", "value": float(value)}
    if isinstance(value, (complex, np.complexfloating)):
        return {"py": "complex", "value": complex(value)}
    if _is_tensor(value) or isinstance(value, np.ndarray):
        return _array(value)
    if torch is not None and isinstance(value, torch.Size):
        return {"py": "tuple", "items": [_structure(int(n)) for n in value]}
    if isinstance(value, (tuple, list)):
        if len(value) > 10_000:
            raise Unobservable("a sequence of more than 10000 items")
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {"py": kind, "items": [_structure(v) for v in value]}
    if isinstance(value, dict):
        return {"py": "dict", "items": [[_structure(k), _structure(v)] for k, v in value.items()]}
    if isinstance(value, (set, frozenset)):
        return {"py": "set", "items": [_structure(v) for v in value]}
    if isinstance(value, np.dtype) or (torch is not None and isinstance(value, torch.dtype)):
        return {"py": "dtype", "value": str(value).replace("torch.", "")}
    if torch is not None and isinstance(value, torch.device):
        return {"py": "device", "value": str(value)}
    if isinstance(value, type):
        return {"py": "class", "value": f"{value.__module__}.{value.__qualname__}"}
    raise Unobservable(f"a {type(value).__name__}, which check_equal cannot compare")


def _truth(value) -> bool:
    """check_true's reading of a condition: True, or the one truth value of a bool tensor/array."""
    if (_is_tensor(value) and str(value.dtype) == "torch.bool") or (
        isinstance(value, np.ndarray) and value.dtype == np.bool_
    ):
        count = value.numel() if _is_tensor(value) else value.size
        if count != 1:
            raise Unobservable(f"{count} truth values, not one")
        return bool(value.item())
    return value is True or (isinstance(value, (bool, np.bool_)) and bool(value))


def observe(kind: str, value, expected_type=None):
    """What a check of `kind` sees of the value under test (raises Unobservable)."""
    if kind == "close":
        if value is None:
            raise Unobservable("None (did the function forget to `return`?)")
        return _array(value)
    if kind == "equal":
        return _structure(value)
    if kind == "shape":
        shape = getattr(value, "shape", None)
        if shape is None:
            raise Unobservable(f"{type(value).__name__} with no shape")
        return _structure(tuple(int(n) for n in shape))
    if kind == "type":
        return {"py": "bool", "value": isinstance(value, expected_type)}
    if kind == "true":
        return {"py": "bool", "value": _truth(value)}
    raise ValueError(f"unknown kind of check {kind!r}")


def expected(kind: str, value):
    """What a check of `kind` compares the observation with, given the expected argument."""
    if kind in ("close", "equal"):
        return observe(kind, value)
    if kind == "shape":
        return _structure(tuple(int(n) for n in value))
    return {"py": "bool", "value": True}  # type, true


# -- agreeing ----------------------------------------------------------------------------------
def _as_array(obs) -> np.ndarray | None:
    """An observation as a NumPy array of values (numbers and nested sequences of them)."""
    if "array" in obs:
        body = obs["array"]
        values = np.asarray(body["values"])
        return values.reshape(tuple(body["shape"]))
    kind = obs.get("py")
    if kind in ("bool", "int", "float", "complex"):
        return np.asarray(obs["value"], dtype=np.complex128 if kind == "complex" else np.float64)
    if kind in ("tuple", "list"):
        parts = [_as_array(item) for item in obs["items"]]
        if any(p is None for p in parts):
            return None
        if parts and len({p.shape for p in parts}) > 1:
            return None
        return np.array(parts) if parts else np.zeros((0,))
    return None


def _close(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> bool:
    if got.shape != want.shape:
        return False
    finite_g, finite_w = np.isfinite(got), np.isfinite(want)
    if not np.array_equal(finite_g, finite_w):
        return False
    if not finite_w.all():  # infinities agree only with the same infinity; NaN never
        if np.isnan(got).any() or np.isnan(want).any():
            return False
        if not np.array_equal(got[~finite_w], want[~finite_w]):
            return False
    g, w = got[finite_w], want[finite_w]
    return bool(np.all(np.abs(g - w) <= atol + rtol * np.abs(w)))


def _is_bool(obs) -> bool:
    return obs.get("py") == "bool" or obs.get("array", {}).get("dtype") == "bool"


def _equal(got, want) -> bool:
    if "array" in got or "array" in want:
        # An array agrees with an array or a number (a 0-d tensor with 2), never with a tuple
        # or list, and a truth value only with a truth value: so agreement is transitive.
        numeric = ("int", "float", "complex", "bool")
        if any("array" not in o and o.get("py") not in numeric for o in (got, want)):
            return False
        if _is_bool(got) != _is_bool(want):
            return False
        a, b = _as_array(got), _as_array(want)
        return a is not None and b is not None and _close(a, b, 0.0, 0.0)
    g, w = got.get("py"), want.get("py")
    numbers = {"int", "float", "complex"}
    if g in numbers and w in numbers:
        a, b = got["value"], want["value"]
        return not (_isnan(a) or _isnan(b)) and a == b
    if g != w:
        return False
    if g in ("tuple", "list"):
        items_g, items_w = got["items"], want["items"]
        return len(items_g) == len(items_w) and all(map(_equal, items_g, items_w))
    if g == "dict":
        pairs_w = list(want["items"])
        if len(got["items"]) != len(pairs_w):
            return False
        for key, value in got["items"]:
            match = next((p for p in pairs_w if _equal(key, p[0])), None)
            if match is None or not _equal(value, match[1]):
                return False
            pairs_w.remove(match)
        return True
    if g == "set":
        rest = list(want["items"])
        for item in got["items"]:
            match = next((i for i, r in enumerate(rest) if _equal(item, r)), None)
            if match is None:
                return False
            rest.pop(match)
        return not rest
    return got.get("value") == want.get("value")


def _isnan(x) -> bool:
    return isinstance(x, (float, complex)) and bool(np.isnan(x))


def agree(kind: str, got, want, rtol: float = 0.0, atol: float = 0.0, widen: float = 1.0) -> bool:
    """Do two observations (`got` the value under test) agree, by `kind`'s rule? `rtol` and
    `atol` are check_close's (the caller passes its defaults when a test states none)."""
    try:
        if kind == "close":
            a, b = _as_array(got), _as_array(want)
            if a is None or b is None:
                return False
            return _close(a, b, widen * float(rtol), widen * float(atol))
        if kind in ("equal", "shape", "type", "true"):
            return _equal(got, want)
    except (KeyError, TypeError, ValueError, AttributeError):
        return False  # malformed (a record read back from a submission's output)
    return False


# -- across processes ----------------------------------------------------------------------------
def _number(x):
    """A float or complex as JSON: numbers, or {"float": "nan"} (JSON has no nan/inf)."""
    if isinstance(x, complex):
        return {"complex": [_number(x.real), _number(x.imag)]}
    x = float(x)
    return x if math.isfinite(x) else {"float": repr(x)}


def _scalar(x):
    if isinstance(x, dict) and "float" in x:
        return float(x["float"])
    if isinstance(x, dict) and "complex" in x:
        re_, im = (_scalar(v) for v in x["complex"])
        return complex(re_, im)
    if isinstance(x, (bool, int, float)):
        return x
    raise ValueError("not a number")


def to_json(obs):
    """An observation as plain JSON (arrays' values as lists, non-finite numbers spelled out)."""
    if "array" in obs:
        body = obs["array"]
        flat = np.asarray(body["values"]).reshape(-1).tolist()
        return {"array": {**body, "values": [_number(v) for v in flat]}}
    if "items" in obs:
        items = obs["items"]
        if obs["py"] == "dict":
            return {"py": "dict", "items": [[to_json(k), to_json(v)] for k, v in items]}
        return {"py": obs["py"], "items": [to_json(v) for v in items]}
    if obs.get("py") in ("float", "complex"):
        return {"py": obs["py"], "value": _number(obs["value"])}
    return dict(obs)


def from_json(data):
    """The observation `to_json` wrote (raises ValueError/TypeError/KeyError if malformed)."""
    if not isinstance(data, dict):
        raise TypeError("an observation is a JSON object")
    if "array" in data:
        body = data["array"]
        shape = [int(n) for n in body["shape"]]
        values = [_scalar(v) for v in body["values"]]
        if math.prod(shape) != len(values):
            raise ValueError("shape and values disagree")
        dtype = np.complex128 if any(isinstance(v, complex) for v in values) else np.float64
        return {
            "array": {
                "dtype": str(body.get("dtype")),
                "shape": shape,
                "values": np.array(values, dtype=dtype).reshape(shape),
            }
        }
    kind = data["py"]
    if kind == "dict":
        return {"py": "dict", "items": [[from_json(k), from_json(v)] for k, v in data["items"]]}
    if kind in ("tuple", "list", "set"):
        return {"py": kind, "items": [from_json(v) for v in data["items"]]}
    if kind in ("float", "complex"):
        return {"py": kind, "value": _scalar(data["value"])}
    if kind == "int" and not isinstance(data["value"], int):
        raise TypeError("an int observation holds an int")
    return {"py": kind, "value": data.get("value")}
