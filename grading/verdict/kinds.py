"""The checks a test cell may call, as the grader knows them: read from helpers/checks.py itself.

`helpers.checks` defines the checks students see (`check_close(actual, expected, what, rtol=1e-5,
atol=1e-6)`, ...); the grader rewrites their calls into records (rewrite.py) and compares the
records (records.py). What both need to know about a check is taken from its `def` in
helpers/checks.py (parsed, not imported, so the grader never imports torch): the kind of record
it makes (its name without `check_`), its parameter names in order (the first is the student's
value) and their defaults. What the kinds accept is helpers/agreement.py, shared with the
checks themselves.
"""

import ast
from pathlib import Path

from helpers.agreement import BOOLEAN_KINDS, GRADING_WIDEN, KINDS

__all__ = [
    "BOOLEAN_KINDS",
    "DEFAULTS",
    "DEFAULT_ATOL",
    "DEFAULT_RTOL",
    "GRADING_WIDEN",
    "KINDS",
    "SIGNATURES",
]

CHECKS_SOURCE = Path(__file__).resolve().parents[2] / "helpers" / "checks.py"


def _contract(source: str) -> tuple[dict, dict]:
    """({check name: (kind, parameter names)}, {check name: {parameter: default}})."""
    signatures, defaults = {}, {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("check_")):
            continue
        kind = node.name.removeprefix("check_")
        if kind not in KINDS:
            raise ValueError(f"helpers.checks.{node.name} has no kind in helpers/agreement.py")
        params = [a.arg for a in node.args.posonlyargs + node.args.args]
        values = [ast.literal_eval(d) for d in node.args.defaults]
        signatures[node.name] = (kind, tuple(params))
        defaults[node.name] = dict(zip(params[len(params) - len(values) :], values))
    return signatures, defaults


SIGNATURES, DEFAULTS = _contract(CHECKS_SOURCE.read_text(encoding="utf-8"))
# check_close's tolerances when a test states none.
DEFAULT_RTOL = DEFAULTS["check_close"]["rtol"]
DEFAULT_ATOL = DEFAULTS["check_close"]["atol"]
