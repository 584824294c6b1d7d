"""The verdict type that crosses processes: records, read and compared in the grader's process.

A record is {"kind": "close"|"equal"|"shape"|"type"|"true", "value": <observation as JSON>,
optional "rtol"/"atol"} or {"kind": ..., "error": "..."} (recorder.py writes them). Two records
agree by the same rule the check applies in the student's notebook (helpers/agreement.py), with
check_close's tolerance doubled: the student's and the solution's values are each within it of
the expected value. Nothing here imports torch or runs student code: values are JSON, compared
with NumPy.
"""

from grading.verdict.kinds import DEFAULT_ATOL, DEFAULT_RTOL, GRADING_WIDEN
from grading.verdict.recorder import MIME
from helpers.agreement import agree, from_json

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


def matches(got: dict, ref: dict) -> bool:
    """Does the student's record agree with the instructor's solution's record?"""
    if not isinstance(got, dict) or "error" in got or "error" in ref:
        return False
    kind = ref.get("kind")
    if got.get("kind") != kind or "value" not in got or "value" not in ref:
        return False
    try:
        student, solution = from_json(got["value"]), from_json(ref["value"])
        rtol = float(ref.get("rtol", DEFAULT_RTOL))
        atol = float(ref.get("atol", DEFAULT_ATOL))
    except (ValueError, TypeError, KeyError, AttributeError):
        return False  # a malformed record (the student's process wrote it)
    return agree(kind, student, solution, rtol, atol, widen=GRADING_WIDEN if kind == "close" else 1)


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
