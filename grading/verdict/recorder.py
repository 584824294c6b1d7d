"""Kernel side of the verdict: `__dlbook_record__` sends the value under test out as plain data.

The grading kernel runs `install()` before the first cell (nbgrader_config.py). A record is a
display output of a private MIME type holding JSON only (numbers, nested lists, dtype and shape
of arrays; never pickle), so the grader can read it without running anything the student wrote.
What is recorded is what the check itself looks at (helpers/agreement.py's `observe`), so the
grader compares exactly what the notebook compares. This module trusts nothing in the kernel: a
submission can patch it, and then its records simply will not match the instructor's
(records.py, compared in the grader's process).
"""

import sys
import warnings

from helpers.agreement import observe, to_json

MIME = "application/vnd.dlbook.record+json"


def _publish(record: dict) -> None:
    from IPython.display import publish_display_data

    publish_display_data({MIME: record, "text/plain": "<grading record>"})


def record(
    value, kind: str, rtol=None, atol=None, expected_type=None, passthrough=False, hidden=False
):
    """Send the value a check is about to test out of the kernel; return it unchanged if asked.

    `kind` is the check's name without `check_`. What goes out is the check's own observation
    of the value (helpers.agreement.observe): arrays as dtype, shape and values, shapes as
    tuples, check_type as whether the value has the type, check_true as the boolean the check
    accepts; a value the check cannot look at becomes a failing record.
    """
    rec = {"kind": kind, "hidden": bool(hidden)}
    try:
        rec["value"] = to_json(observe(kind, value, expected_type))
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
    # of a test cell to stdout anyway, see preprocessors/grading_execute.py), and a warning is
    # not one.
    sys.stdout.write(warnings.formatwarning(message, category, filename, lineno, line))


def install() -> None:
    """Called once in the grading kernel, before the first cell."""
    from IPython import get_ipython

    warnings.showwarning = _warning_to_stdout
    get_ipython().user_ns["__dlbook_record__"] = record
