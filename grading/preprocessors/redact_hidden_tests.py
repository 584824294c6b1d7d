"""RedactHiddenTests: feedback that never leaks: hidden tests and what ran during them stay out.

In a test cell that has a hidden region (found with nbgrader's own delimiters and "line contains"
matching, verdict/cells.py) the region's source is replaced by one line, and the cell's outputs by one
line the grader wrote: whether it passed and, if not, the kind of failure. A student's code
could print anything while the hidden tests run (`print(In[-1])` is the hidden test itself), or
raise an exception whose message carries it, so none of that output is shown.

Nor in any other cell: a later cell can print what an earlier one stashed (a frame's code, the
linecache, `In`, globals). The kernel keeps test cells out of its history (GradingExecute), but
the kernel is the student's, so here every output of every cell is searched for a line of a
hidden region, as written or as the grader rewrote it, and for the grader's record call; an
output holding one is replaced by a note. Lines shorter than MIN_LINE characters (`)`, `x = 1`)
are too common to mean a leak and are not searched for.
"""

import json

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from grading.feedback import message as feedback_message
from grading.verdict.cells import delimiters, hidden_lines, is_test_cell, without_hidden
from grading.verdict.rewrite import RECORD, RewriteError, rewrite_test_cell

NOTE = "# (hidden tests were run here)"
MIN_LINE = 16  # characters, spaces not counted
LEAK_NOTE = "(output removed from feedback: it showed part of the hidden tests)\n"
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


def summary(outputs: list, graders_line: str | None = None) -> str:
    """The one line a test cell with hidden parts shows; `graders_line` is the grader's own
    message for it (grading/feedback.py), never text from the kernel."""
    errors = [o for o in outputs if o.get("output_type") == "error"]
    if not errors:
        return "Passed (outputs of tests with hidden parts are not shown in feedback)."
    if errors[0].get("ename") == "NotImplementedError":
        return "Not attempted: the exercise still raises NotImplementedError."
    if graders_line:
        return f"Failed: {graders_line}"
    first = errors[0]
    name = first.get("ename") if first.get("ename") in SAFE_ERRORS else "an error"
    if first.get("ename") == "WrongAnswer":
        return f"Failed: {first.get('evalue')}."
    return (
        f"Failed: {name} was raised. Run this test in your notebook to see the visible "
        "tests' messages; hidden tests report only pass or fail."
    )


def secret_lines(nb, begin: str, end: str) -> set[str]:
    """The hidden regions' lines, as the instructor wrote them and as the kernel ran them."""
    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code" or not is_test_cell(cell):
            continue
        hidden = hidden_lines(cell.source, begin, end)
        lines = cell.source.split("\n")
        visible = {ln.strip() for n, ln in enumerate(lines, 1) if n not in hidden}
        found |= {lines[n - 1].strip() for n in hidden} - visible  # a visible line is no secret
        try:
            rewritten = rewrite_test_cell(cell.source, begin, end)[0]
        except (RewriteError, SyntaxError):
            continue
        found |= {ln.strip() for ln in rewritten.split("\n")} - visible
    found.discard(begin.strip())
    found.discard(end.strip())
    return {ln for ln in found if len(ln.replace(" ", "")) >= MIN_LINE} | {RECORD}


def _leaks(output, secrets: set[str]) -> bool:
    text = json.dumps(output, ensure_ascii=False)
    # JSON escapes quotes and backslashes; compare against the escaped lines too.
    return any(s in text or json.dumps(s)[1:-1] in text for s in secrets)


class RedactHiddenTests(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        begin, end = delimiters(self.config)
        secrets = secret_lines(nb, begin, end)
        for cell in nb.cells:
            if cell.cell_type == "code" and not hidden_lines(cell.source, begin, end):
                cell.outputs = [
                    nbformat.v4.new_output("stream", name="stdout", text=LEAK_NOTE)
                    if _leaks(output, secrets)
                    else output
                    for output in cell.get("outputs", [])
                ]
        for cell in nb.cells:
            if cell.cell_type != "code" or not hidden_lines(cell.source, begin, end):
                continue
            cell.source = without_hidden(cell.source, begin, end, NOTE)
            if is_test_cell(cell):
                cell.outputs = [
                    nbformat.v4.new_output(
                        "stream",
                        name="stdout",
                        text=summary(cell.outputs, feedback_message(cell)) + "\n",
                    )
                ]
            else:
                cell.outputs = []
        return nb, resources
