"""Graded test cells and their hidden part, as nbgrader itself sees them.

Which cells are tests is the book's one rule (helpers/nbcells.py). Here: where a test cell's
hidden part is, shared by the rewrite before execution and the redaction of feedback, so both
agree with `nbgrader generate_assignment`: a line *containing* `ClearHiddenTests.begin_test_delimeter`
opens the hidden region and a line containing `end_test_delimeter` closes it (nbgrader's
spelling of "delimiter"). And the error output the grader writes into a cell it fails.
"""

import nbformat

from helpers.nbcells import grade_id, is_test_cell

__all__ = [
    "delimiters",
    "error_output",
    "grade_id",
    "hidden_lines",
    "is_test_cell",
    "without_hidden",
]


def delimiters(config=None) -> tuple[str, str]:
    """(begin, end) as configured for nbgrader's ClearHiddenTests (defaults if unset)."""
    from nbgrader.preprocessors import ClearHiddenTests

    clear = ClearHiddenTests(config=config) if config is not None else ClearHiddenTests()
    return clear.begin_test_delimeter, clear.end_test_delimeter


def hidden_lines(source: str, begin: str, end: str) -> set[int]:
    """1-based numbers of the lines inside hidden regions, delimiter lines included."""
    hidden, inside = set(), False
    for number, line in enumerate(source.split("\n"), start=1):
        if begin in line:
            inside = True
        if inside:
            hidden.add(number)
        if end in line and begin not in line:  # nbgrader: `elif end in line`
            inside = False
    return hidden


def without_hidden(source: str, begin: str, end: str, note: str) -> str:
    """The source with each hidden region replaced by one `note` line."""
    hidden = hidden_lines(source, begin, end)
    out, previous_hidden = [], False
    for number, line in enumerate(source.split("\n"), start=1):
        if number in hidden:
            if not previous_hidden:
                out.append(note)
            previous_hidden = True
        else:
            out.append(line)
            previous_hidden = False
    return "\n".join(out)


def error_output(ename: str, evalue: str):
    """An error output as the kernel would write it; nbgrader scores a cell holding one as 0."""
    return nbformat.v4.new_output(
        "error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]
    )
