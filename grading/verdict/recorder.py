"""Kernel side of the verdict: `__dlbook_record__` sends the value under test out as plain data.

The grading kernel runs `install()` before the first cell (nbgrader_config.py). A record is a
display output of a private MIME type holding JSON only (numbers, nested lists, dtype and shape
of arrays; never pickle), so the grader can read it without running anything the student wrote.
This module trusts nothing in the kernel: a submission can patch it, and then its records
simply will not match the instructor's (records.py, compared in the grader's process).
"""

import math
import sys
import warnings

MIME = "application/vnd.dlbook.record+json"
# Beyond this many numbers a value is summarised, so a record stays a few MB at most.
MAX_NUMBERS = 200_000


def _number(x):
    if isinstance(x, bool):
        return x
    if isinstance(x, int):
        return x
    if isinstance(x, complex):
        return {"complex": [_number(x.real), _number(x.imag)]}
    x = float(x)
    return x if math.isfinite(x) else {"float": repr(x)}  # JSON has no nan/inf


def _array(value) -> dict:
    """Tensors and arrays: dtype, shape and the values (as float64/int/bool/complex)."""
    import numpy as np

    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        # Plain tensor first: a subclass's __torch_function__ must not run in the conversion.
        with torch._C.DisableTorchFunction():
            plain = torch.Tensor.detach(value).cpu().resolve_conj().resolve_neg()
            dtype = str(plain.dtype).replace("torch.", "")
            array = plain.numpy() if plain.dtype != torch.bfloat16 else plain.float().numpy()
    else:
        array = np.asarray(value)
        dtype = str(array.dtype)
    if array.dtype == object:
        raise TypeError(f"an array of Python objects ({type(value).__name__})")
    array = np.array(array, copy=True)  # a plain ndarray, whatever subclass came in
    if array.size > MAX_NUMBERS:
        raise ValueError(f"{array.size} numbers is more than a check may record")
    flat = [_number(v) for v in array.reshape(-1).tolist()]
    return {"array": {"dtype": dtype, "shape": list(array.shape), "values": flat}}


def encode(value):
    """Plain JSON for a Python value, tuple, list, dict, array or tensor."""
    import numpy as np

    torch = sys.modules.get("torch")
    if value is None or isinstance(value, str) and len(value) < 10_000:
        return {"py": "None" if value is None else "str", "value": value}
    if isinstance(value, (bool, np.bool_)):
        return {"py": "bool", "value": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"py": "int", "value": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"py": "float", "value": _number(float(value))}
    if isinstance(value, complex):
        return {"py": "complex", "value": _number(value)}
    if torch is not None and isinstance(value, torch.Size):
        return {"py": "tuple", "items": [encode(int(v)) for v in value]}
    if isinstance(value, (tuple, list)):
        return {
            "py": "tuple" if isinstance(value, tuple) else "list",
            "items": [encode(v) for v in list(value)[:10_000]],
        }
    if isinstance(value, dict):
        return {"py": "dict", "items": [[encode(k), encode(v)] for k, v in value.items()]}
    # Named constants compared by name: dtypes, devices, classes.
    if isinstance(value, np.dtype) or (torch is not None and isinstance(value, torch.dtype)):
        return {"py": "dtype", "value": str(value).replace("torch.", "")}
    if torch is not None and isinstance(value, torch.device):
        return {"py": "device", "value": str(value)}
    if isinstance(value, type):
        return {"py": "class", "value": f"{value.__module__}.{value.__qualname__}"}
    return _array(value)


def _as_array(value):
    """check_close compares through NumPy/torch: numbers and sequences become arrays too."""
    import numpy as np

    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return _array(value)
    return _array(np.asarray(value))


def _publish(record: dict) -> None:
    from IPython.display import publish_display_data

    publish_display_data({MIME: record, "text/plain": "<grading record>"})


def _truth(value) -> bool:
    """What helpers.checks.check_true accepts: True, or one True in a bool tensor or array."""
    import numpy as np

    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor) and value.dtype == torch.bool:
        return value.numel() == 1 and bool(value.item())
    if isinstance(value, np.ndarray) and value.dtype == np.bool_:
        return value.size == 1 and bool(value.item())
    return value is True or (isinstance(value, (bool, np.bool_)) and bool(value))


def record(
    value, kind: str, rtol=None, atol=None, expected_type=None, passthrough=False, hidden=False
):
    """Send the value a check is about to test out of the kernel; return it unchanged if asked.

    `kind` is the check's name without `check_`. Shapes are recorded as tuples, `check_type`
    as whether the value has the type, `check_true` as the boolean the check would accept.
    """
    rec = {"kind": kind, "hidden": bool(hidden)}
    try:
        if kind == "close":
            if value is None:
                raise TypeError("None")
            rec["value"] = _as_array(value)
        elif kind == "equal":
            torch = sys.modules.get("torch")
            is_tensor = torch is not None and isinstance(value, torch.Tensor)
            rec["value"] = _as_array(value) if is_tensor else encode(value)
        elif kind == "shape":
            rec["value"] = encode(tuple(int(n) for n in value.shape))
        elif kind == "type":
            rec["value"] = {"py": "bool", "value": isinstance(value, expected_type)}
        elif kind == "true":
            rec["value"] = {"py": "bool", "value": _truth(value)}
        else:
            raise ValueError(f"unknown kind {kind!r}")
        for name, tol in (("rtol", rtol), ("atol", atol)):
            if tol is not None:
                rec[name] = float(tol)
    except Exception as error:  # noqa: BLE001 -- any failure becomes a record that fails
        rec = {
            "kind": kind,
            "hidden": bool(hidden),
            "error": f"{type(error).__name__}: {error}"[:200],
        }
    _publish(rec)
    return value if passthrough else None


def _warning_to_stdout(message, category, filename, lineno, file=None, line=None):
    # Tidier feedback: nbgrader would score stderr as a failure (the grader moves any stderr
    # of a test cell to stdout anyway, see preprocessors/grading_execute.py), and a warning is not one.
    sys.stdout.write(warnings.formatwarning(message, category, filename, lineno, line))


def install() -> None:
    """Called once in the grading kernel, before the first cell."""
    from IPython import get_ipython

    warnings.showwarning = _warning_to_stdout
    get_ipython().user_ns["__dlbook_record__"] = record
