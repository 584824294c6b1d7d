"""What a feedback page says about a failed test: the visible check's own message, made by the grader.

A test cell with hidden parts shows only one line in feedback (preprocessors/redact_hidden_tests.py):
anything the kernel printed or raised could carry the hidden tests (`raise AssertionError(In[-1])`
in an answer is all it takes). So the line is written here, in the grader's process, from what
the verdict already holds: the records of the student's run and of the solution's
(verdict/records.py). For the first check that did not match:

    visible check   "<what>: expected <the solution's value>, got <the student's value>", the
                    wording helpers.checks uses in the notebook (helpers/messages.py), where
                    <what> is the check's label in the visible source;
    hidden check    "hidden check 2 of 3 did not pass": hidden checks report only pass or fail.

Only numbers, shapes and short strings of the student's value are shown: the student's kernel
made them, so text longer than a label never reaches the page. CompareRecords stores the line
in the test cell's metadata under KEY (set for every test cell, so a submitted notebook cannot
bring its own).
"""

from __future__ import annotations

import ast

from grading.verdict.cells import hidden_lines
from grading.verdict.kinds import DEFAULT_ATOL, DEFAULT_RTOL, SIGNATURES
from grading.verdict.records import matches
from helpers.agreement import from_json
from helpers.messages import close_mismatch, short, values_of

KEY = "dlbook_feedback"  # test cell metadata: the grader's line for the feedback page
MAX_SHOWN_TEXT = 40  # characters of a string the student's code returned that a page may show
NUMERIC = ("int", "float", "complex", "bool")


def set_message(cell, message: str | None) -> None:
    """Store (or clear) the feedback line of a test cell."""
    cell.metadata.pop(KEY, None)
    if message:
        cell.metadata[KEY] = message


def message(cell) -> str | None:
    value = cell.get("metadata", {}).get(KEY)
    return value if isinstance(value, str) else None


def visible_labels(source: str, begin: str, end: str) -> list[str | None]:
    """The label (`what`, or check_true's message) of each check call in the visible part, in
    source order; None where it is not a plain string. [] if the source does not parse."""
    hidden = hidden_lines(source, begin, end)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or node.lineno in hidden:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in SIGNATURES:
            continue
        params = SIGNATURES[name][1]
        bound = dict(zip(params, node.args)) | {k.arg: k.value for k in node.keywords if k.arg}
        label = bound.get("what", bound.get("message"))
        text = label.value if isinstance(label, ast.Constant) else None
        calls.append(((node.lineno, node.col_offset), text if isinstance(text, str) else None))
    return [label for _, label in sorted(calls)]


def _shown(obs, trusted: bool) -> str:
    """An observation as the page shows it; the student's (not `trusted`) only as numbers,
    shapes and short strings."""
    if "array" in obs:
        return short(values_of(obs))
    kind, value = obs.get("py"), obs.get("value")
    if kind in NUMERIC or kind == "None":
        return repr(value)
    if kind in ("tuple", "list") and len(obs["items"]) <= 12:
        inner = ", ".join(_shown(item, trusted) for item in obs["items"])
        return (
            f"({inner}{',' if len(obs['items']) == 1 else ''})" if kind == "tuple" else f"[{inner}]"
        )
    if kind in ("str", "dtype", "device", "class") and isinstance(value, str):
        if trusted or (len(value) <= MAX_SHOWN_TEXT and "\n" not in value):
            return repr(value) if kind == "str" else value
        return f"a {kind} of {len(value)} characters"
    count = f" of {len(obs['items'])} items" if "items" in obs else ""
    return f"a {kind}{count}"


def _mismatch(label: str, got: dict | None, ref: dict) -> str:
    kind = ref.get("kind")
    if kind == "true":
        return label  # check_true's message says what to fix, as in the notebook
    if kind == "type":
        return f"{label}: not of the expected type"
    try:
        want = from_json(ref["value"])
        have = from_json(got["value"]) if got and got.get("kind") == kind else None
    except (KeyError, TypeError, ValueError, AttributeError):
        have = None
        want = None
    if want is None:
        return f"{label}: did not match the expected value"
    if have is None:
        return f"{label}: expected {_shown(want, True)}, got a value this check cannot look at"
    if kind == "shape":
        return f"{label} (shape): expected {_shown(want, True)}, got {_shown(have, False)}"
    numeric = all("array" in o or o.get("py") in NUMERIC[:3] for o in (have, want))
    if kind == "close" or (numeric and ("array" in have or "array" in want)):
        rtol = float(ref.get("rtol", DEFAULT_RTOL)) if kind == "close" else 0.0
        atol = float(ref.get("atol", DEFAULT_ATOL)) if kind == "close" else 0.0
        return close_mismatch(label, have, want, rtol, atol, have.get("py", ""))
    return f"{label}: expected {_shown(want, True)}, got {_shown(have, False)}"


def explain(got: list, ref: list, labels: list) -> str | None:
    """The feedback line for a test cell whose records `got` do not all match the solution's
    `ref`; None if they match or the cell stopped before its first mismatch (an error the
    student's code raised: the page says which kind)."""
    parts = ["hidden" if r.get("hidden") else "visible" for r in ref]
    for index, r in enumerate(ref):
        if index >= len(got):
            return None
        if matches(got[index], r):
            continue
        part = parts[index]
        number, total = parts[: index + 1].count(part), parts.count(part)
        if part == "hidden":
            return f"hidden check {number} of {total} did not pass (hidden checks say only that)"
        label = labels[number - 1] if len(labels) == total else None
        return _mismatch(label or f"visible check {number} of {total}", got[index], r)
    return None
