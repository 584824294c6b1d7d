"""RedactHiddenTests on a cell built in memory: no hidden source, nothing printed while it ran."""

import nbformat
from traitlets.config import Config

from grading.preprocessors.redact_hidden_tests import RedactHiddenTests
from tests.unit.grading.preprocessors.cells import cell as _cell


def test_feedback_hides_hidden_source_and_what_ran_during_it():
    cell = _cell("code", "f_test", grade=True, locked=True, points=1)
    cell.source = "check(1)\n# BEGIN HIDDEN TESTS\nsecret_input = 7\n# END HIDDEN TESTS\n"
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="secret_input = 7"),
        nbformat.v4.new_output(
            "error", ename="Leak", evalue="secret_input = 7", traceback=["secret_input"]
        ),
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell]
    RedactHiddenTests(config=Config()).preprocess(nb, {})
    shown = nb.cells[0].source + str(nb.cells[0].outputs)
    assert "secret_input" not in shown and "Leak" not in shown
    assert "Failed" in shown and "hidden tests were run here" in shown
