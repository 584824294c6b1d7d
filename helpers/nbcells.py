"""What role a notebook cell plays in grading, read from its nbgrader metadata: the one rule.

A *graded test cell* has `grade: true` and no `solution` (nbgrader's "autograder tests" cell);
an *answer cell* has `solution: true`; any other cell with a `grade_id` is a locked cell. The
build (tools/build.py), the self-check (helpers/selfcheck.py), the grader (grading/) and the
book's tests all ask these functions, so they cannot disagree on which cells are tests.

Standard library only: the self-check imports it in a student's kernel and the build imports it
before anything else is installed. A cell is a dict or an `nbformat.NotebookNode` (a dict too).
"""


def nbgrader_metadata(cell) -> dict:
    """The cell's `metadata.nbgrader` dict ({} when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_test_metadata(meta: dict) -> bool:
    """The rule itself, on nbgrader metadata: graded and not an answer."""
    return bool(meta.get("grade")) and not meta.get("solution")


def is_test_cell(cell) -> bool:
    """A graded test cell: code, graded, not an answer cell (what nbgrader autogrades)."""
    return cell.get("cell_type") == "code" and is_test_metadata(nbgrader_metadata(cell))


def is_answer_cell(cell) -> bool:
    """An answer cell: the student writes its body (`solution: true`)."""
    return bool(nbgrader_metadata(cell).get("solution"))


def role(meta: dict) -> str:
    """ "test cell", "answer cell" or "locked cell", for messages."""
    if is_test_metadata(meta):
        return "test cell"
    return "answer cell" if meta.get("solution") else "locked cell"


def grade_id(cell, index: int | None = None) -> str | None:
    """The cell's grade_id; without one, `cell N` (1-based) when `index` is given, else None."""
    found = nbgrader_metadata(cell).get("grade_id")
    if found or index is None:
        return found or None
    return f"cell {index + 1}"
