"""helpers.nbcells: the one rule for which cells are graded tests, and that it stays stdlib-only
(the build and the grader import it without paying for torch)."""

import subprocess
import sys

import nbformat
import pytest

from helpers.nbcells import grade_id, is_answer_cell, is_test_cell, is_test_metadata, role
from tools.build import ROOT


def _cell(kind="code", **meta):
    cell = nbformat.v4.new_code_cell("x") if kind == "code" else nbformat.v4.new_markdown_cell("x")
    if meta:
        cell.metadata["nbgrader"] = meta
    return cell


@pytest.mark.parametrize(
    "meta, test, answer, named",
    [
        ({"grade": True, "grade_id": "f_test", "points": 1}, True, False, "test cell"),
        ({"solution": True, "grade_id": "f"}, False, True, "answer cell"),
        ({"solution": True, "grade": True, "grade_id": "essay"}, False, True, "answer cell"),
        ({"locked": True, "grade_id": "setup"}, False, False, "locked cell"),
    ],
)
def test_roles(meta, test, answer, named):
    assert is_test_metadata(meta) is test
    assert is_test_cell(_cell(**meta)) is test
    assert is_answer_cell(_cell(**meta)) is answer
    assert role(meta) == named


def test_a_markdown_cell_is_never_a_graded_test_cell():
    meta = {"grade": True, "grade_id": "f_test"}
    assert is_test_metadata(meta) and not is_test_cell(_cell("markdown", **meta))


def test_grade_id_and_its_stand_in():
    assert grade_id(_cell(grade_id="f")) == "f"
    assert grade_id(_cell()) is None
    assert grade_id(_cell(), 4) == "cell 5"
    assert grade_id({"cell_type": "code", "metadata": {}}) is None  # a plain dict works too


def test_it_imports_nothing_but_the_standard_library():
    code = (
        "import sys; before = set(sys.modules); import helpers.nbcells; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(sorted(new - set(sys.stdlib_module_names)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "['helpers']", done.stdout + done.stderr
