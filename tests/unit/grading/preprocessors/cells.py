"""Cells built in memory for the preprocessors' tests (nbgrader's own tests' style)."""

import nbformat


def cell(kind, gid, **meta):
    """A code or markdown cell with nbgrader metadata: grade_id `gid` and `meta`."""
    made = (
        nbformat.v4.new_code_cell("x = 1")
        if kind == "code"
        else nbformat.v4.new_markdown_cell("x = 1")
    )
    made.metadata["nbgrader"] = {"grade_id": gid, "schema_version": 3, **meta}
    return made


def source_notebook():
    """An instructor's notebook: one answer cell `f`, its test cell `f_test`."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        cell("code", "f", solution=True),
        cell("code", "f_test", grade=True, locked=True, points=1),
    ]
    return nb
