"""The by-hand guard's flag crosses from a real kernel to the TA: run under nbgrader's
NBGRADER_EXECUTION, a saved-reference answer fails its test cell and leaves a flag that
KernelFlags turns into a by_hand flag on that cell; a student's own run (no NBGRADER_EXECUTION)
shows the same failure and no flag output."""

import nbformat
import pytest
from nbclient import NotebookClient

from grading.flags import noted
from grading.preprocessors.kernel_flags import KernelFlags
from helpers.grader_flags import FLAG_MIME
from tools.build import ROOT

pytestmark = pytest.mark.slow

ANSWER = """
import torch
import torch.nn.functional as F
from helpers.by_hand import forbid_builtins
_saved = F.conv2d
def corr2d(X, K):
    return _saved(X[None, None], K[None, None])[0, 0]
"""
TEST = """
with forbid_builtins("corr2d", (F, "conv2d"), (torch, "conv2d"), (F, "unfold")):
    corr2d(torch.ones(4, 4), torch.ones(2, 2))
"""


def _graded(nb):
    nb.cells[1].metadata["nbgrader"] = {"grade": True, "grade_id": "corr2d_test", "points": 2}
    return nb


def _errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


def test_a_flag_leaves_the_kernel_only_while_grading(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    nb = _graded(_run(ANSWER, TEST))
    assert "aten.convolution" in _errors(nb.cells[1])[0]["evalue"]
    nb, resources = KernelFlags().preprocess(nb, {})
    [flag] = noted(resources)
    assert (flag.kind, flag.cell) == ("by_hand", "corr2d_test")
    assert "reached the library routine aten.convolution" in flag.reason
    assert not any(FLAG_MIME in o.get("data", {}) for o in nb.cells[1].outputs)

    monkeypatch.delenv("NBGRADER_EXECUTION")
    mine = _run(ANSWER, TEST)  # the student's own run: the same failure, no flag
    assert _errors(mine.cells[1])
    assert not any(FLAG_MIME in o.get("data", {}) for o in mine.cells[1].outputs)


def _run(*sources):
    """tests/kernel.py's run_cells, letting a cell fail (a failing test cell is the point)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": str(ROOT)}},
    )  # fmt: skip
    return client.execute()
