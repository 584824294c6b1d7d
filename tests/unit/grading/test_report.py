"""grading.report's arithmetic on rows built in memory (the real report: test_grading_batch.py)."""

import pytest

from grading import report


def test_exercise_summary_counts_means_full_marks_and_failures():
    rows = [
        report.StudentRow("a", 3, 3, {"e1": (2, 2), "e2": (1, 1)}),
        report.StudentRow("b", 0, 3, {"e1": (0, 2), "e2": (0, 1)}),
        report.StudentRow("c", 2, 3, {"e1": (2, 2), "e2": (0, 1)}),
    ]
    failures = {
        "a": {},
        "b": {"e1": "AssertionError: x", "e2": "NotImplementedError"},
        "c": {"e2": "NotImplementedError"},
    }
    e1, e2 = report.exercise_summary(rows, failures)
    assert (e1["grade_id"], e1["points"], e1["mean"], e1["full_marks_share"]) == (
        "e1",
        2,
        1.333,
        0.667,
    )
    assert e2["common_failures"] == "2x NotImplementedError"
    assert e2["mean"] == pytest.approx(1 / 3, abs=1e-3)
