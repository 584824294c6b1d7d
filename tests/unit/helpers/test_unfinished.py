"""helpers.unfinished: an unfinished exercise's test cell shows one line, and still fails."""

import nbformat
import pytest
from nbclient import NotebookClient

from helpers.unfinished import NOT_ATTEMPTED

STUB = "def corr2d(X, K):\n    raise NotImplementedError()"
TEST = "from helpers.checks import isolate; isolate('corr2d_test')\ncorr2d(1, 2)"


def _errors(cell):
    return [o for o in cell.outputs if o.output_type == "error"]


@pytest.mark.slow
def test_a_stub_in_a_test_cell_is_one_kind_line_and_still_an_error():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(src)
        for src in (
            STUB,
            TEST,
            "corr2d(1, 2)  # the student's own cell: IPython's usual traceback",
            "from helpers.checks import isolate; isolate('other_test')\nassert 1 == 2, 'wrong'",
        )
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    test, own, wrong = (_errors(c) for c in nb.cells[1:])
    # Still an error output named NotImplementedError: nbgrader gives 0 points, the self-check
    # and the report read "not attempted".
    assert [e.ename for e in test] == ["NotImplementedError"]
    assert test[0].traceback == [NOT_ATTEMPTED.format(what="corr2d()")]
    assert "Traceback" not in "".join(nb.cells[1].outputs[0].get("text", ""))
    # Taken off after the test cell: other cells and other errors keep their tracebacks.
    assert own[0].ename == "NotImplementedError" and len(own[0].traceback) > 1
    assert wrong[0].ename == "AssertionError" and "wrong" in "".join(wrong[0].traceback)
