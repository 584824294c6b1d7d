"""RedactHiddenTests: feedback that never leaks: hidden tests and what ran during them stay out.

In a test cell that has a hidden region (found with nbgrader's own delimiters and "line contains"
matching, verdict/cells.py) the region's source is replaced by one line, and the cell's outputs by one
line the grader wrote: whether it passed and, if not, the kind of failure. A student's code
could print anything while the hidden tests run (`print(In[-1])` is the hidden test itself), or
raise an exception whose message carries it, so none of that output is shown.
"""

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from grading.verdict.cells import delimiters, hidden_lines, is_test_cell, without_hidden

NOTE = "# (hidden tests were run here)"
SAFE_ERRORS = {
    "AssertionError",
    "WrongAnswer",
    "CellTimeoutError",
    "DeadKernelError",
    "NotRun",
    "NotGraded",
    "NotImplementedError",
    "NameError",
    "TypeError",
    "ValueError",
    "RuntimeError",
    "IndexError",
    "KeyError",
    "AttributeError",
    "ZeroDivisionError",
    "SystemExit",
}


def summary(outputs: list) -> str:
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if not errors:
        return "Passed (outputs of tests with hidden parts are not shown in feedback)."
    first = errors[0]
    name = first.get("ename") if first.get("ename") in SAFE_ERRORS else "an error"
    if first.get("ename") == "WrongAnswer":
        return f"Failed: {first.get('evalue')}."
    return (
        f"Failed: {name} was raised. Run this test in your notebook to see the visible "
        "tests' messages; hidden tests report only pass or fail."
    )


class RedactHiddenTests(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        begin, end = delimiters(self.config)
        for cell in nb.cells:
            if cell.cell_type != "code" or not hidden_lines(cell.source, begin, end):
                continue
            cell.source = without_hidden(cell.source, begin, end, NOTE)
            if is_test_cell(cell):
                cell.outputs = [
                    nbformat.v4.new_output(
                        "stream", name="stdout", text=summary(cell.outputs) + "\n"
                    )
                ]
            else:
                cell.outputs = []
        return nb, resources
