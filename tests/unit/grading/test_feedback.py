"""grading.feedback and grading.feedback_page on records and cells built in memory.

The oracle for the wording is helpers.checks itself: a visible check's line in feedback must be
the message the check raises in the student's notebook for the same values.
"""

import re

import nbformat
import pytest
import torch

from grading import feedback
from grading.feedback_page import exercise_names, render_math
from grading.preprocessors.redact_hidden_tests import summary
from helpers import checks
from helpers.agreement import observe, to_json

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"


def _record(kind, value, hidden=False, **tol):
    return {"kind": kind, "hidden": hidden, "value": to_json(observe(kind, value)), **tol}


def _notebook_message(check, *args) -> str:
    with pytest.raises(AssertionError) as raised:
        check(*args)
    return str(raised.value)


CASES = [
    # (check, student's value, expected value)
    (checks.check_close, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5])),
    (checks.check_close, torch.zeros(4, 5), torch.ones(4, 5)),  # many elements: the worst one
    (checks.check_close, torch.zeros(3), torch.zeros(2)),  # shape
    (checks.check_close, torch.tensor([1.0], dtype=torch.float16), torch.tensor([1.0001])),
    (checks.check_close, 2.0, 3.0),
    (checks.check_equal, torch.tensor([1, 2]), torch.tensor([1, 3])),
    (checks.check_equal, 3, 4),
]


@pytest.mark.parametrize("check, got, want", CASES)
def test_a_visible_mismatch_reads_as_in_the_notebook(check, got, want):
    kind = check.__name__.removeprefix("check_")
    line = feedback.explain([_record(kind, got)], [_record(kind, want)], labels=["the result"])
    assert line == _notebook_message(check, got, want, "the result")


def test_shapes_hidden_checks_and_labels():
    source = (
        f'x = f(1)\ncheck_shape(x, (2, 3), "f(1)")\n{BEGIN}\ncheck_close(f(2), 0, "h")\n{END}\n'
    )
    labels = feedback.visible_labels(source, BEGIN, END)
    assert labels == ["f(1)"]
    got = [_record("shape", torch.zeros(2, 4))]
    assert feedback.explain(got, [_record("shape", torch.zeros(2, 3))], labels) == (
        _notebook_message(checks.check_shape, torch.zeros(2, 4), (2, 3), "f(1)")
    )
    ref = [_record("shape", torch.zeros(2, 3)), _record("close", 1.0, hidden=True)]
    got = [_record("shape", torch.zeros(2, 3)), _record("close", 2.0, hidden=True)]
    assert feedback.explain(got, ref, labels).startswith("hidden check 1 of 1 did not pass")
    assert feedback.explain(ref, ref, labels) is None


def test_the_students_text_is_never_shown_at_length():
    secret = "check_close(f(torch.tensor([9.0, 7.0])), ...)  # the hidden test's source" * 3
    line = feedback.explain(
        [_record("equal", secret)], [_record("equal", "float32")], labels=["dtype name"]
    )
    assert secret[:20] not in line and "a str of" in line, line
    short = feedback.explain(
        [_record("equal", "float64")], [_record("equal", "float32")], labels=["dtype name"]
    )
    assert short == "dtype name: expected 'float32', got 'float64'"


def test_a_cell_stopped_by_an_error_gets_no_line_and_keeps_the_safe_summary():
    ref = [_record("close", 1.0), _record("close", 2.0)]
    assert feedback.explain([ref[0]], ref, []) is None
    outputs = [nbformat.v4.new_output("error", ename="TypeError", evalue="x", traceback=[])]
    assert summary(outputs, None).startswith("Failed: TypeError was raised")
    assert summary(outputs, "f: expected 1, got 2") == "Failed: f: expected 1, got 2"
    blank = [nbformat.v4.new_output("error", ename="NotImplementedError", evalue="", traceback=[])]
    assert summary(blank, None).startswith("Not attempted")


def test_a_submitted_line_is_replaced():
    cell = nbformat.v4.new_code_cell("pass", metadata={feedback.KEY: "<b>forged</b>"})
    feedback.set_message(cell, None)
    assert feedback.message(cell) is None


def test_exercise_names_come_from_the_headings_above():
    def graded(gid, test=True, solution=False):
        meta = {"grade_id": gid, "grade": True, "solution": solution, "locked": test, "points": 1}
        return nbformat.v4.new_code_cell("", metadata={"nbgrader": meta})

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Part one\n### Exercise 1 (2 points): interleave rows"),
        graded("interleave_rows_test"),
        nbformat.v4.new_markdown_cell("### Exercise 2 (1 point): set the border"),
        graded("set_border", test=False, solution=True),
        graded("set_border_test"),
    ]
    assert exercise_names(nb) == {
        "interleave_rows_test": "Exercise 1: interleave rows (tests)",
        "set_border": "Exercise 2: set the border (your answer)",
        "set_border_test": "Exercise 2: set the border (tests)",
    }


@pytest.mark.parametrize(
    "markdown, formulas",
    [
        ("The mean $\\bar x = \\frac{1}{n}\\sum_i x_i$ is", 1),
        ("$$\n\\|x\\|_2 = \\sqrt{\\sum_i x_i^2}\n$$", 1),
        ("Costs $5 and $6, and `$HOME` stays code", 0),
        ("```\nprint('$x$')\n```\nthen $y$", 1),
        ("Two: $a_1$ and $b^2$.", 2),
    ],
)
def test_math_becomes_mathml_and_code_stays_code(markdown, formulas):
    html = render_math(markdown)
    assert html.count("<math") == formulas, html
    if not formulas:
        assert html == markdown  # nothing to do: the page renders it as before
        return
    assert "\n" not in html and html.startswith("<div>")  # one HTML block for the page
    prose = re.sub(r"<(code|pre)>.*?</\1>", "", html, flags=re.DOTALL)
    assert "$" not in prose, html
    assert "$" in html or "$" not in re.sub(r"\$[^$]*\$", "", markdown)  # code kept its $


def test_a_formula_latex2mathml_cannot_read_is_shown_as_its_source():
    html = render_math("broken $\\frac{1}{$ formula")
    assert "<math" not in html and "\\frac{1}{" in html
