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


def test_a_later_cell_that_shows_a_hidden_line_loses_that_output_only():
    test = _cell("code", "f_test", grade=True, locked=True, points=1)
    test.source = (
        "check_close(f(1.0), 2.0, 'visible')\n### BEGIN HIDDEN TESTS\n"
        "secret_input_for_f = 123.25\ncheck_close(f(secret_input_for_f), 246.5, 'h')\n"
        "### END HIDDEN TESTS\n"
    )
    stash = nbformat.v4.new_code_cell("print(stolen)")
    stash.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="my own output\n"),
        # what the kernel ran (the rewrite), stashed from a frame and printed later
        nbformat.v4.new_output(
            "stream", name="stdout", text="__dlbook_record__(f(secret_input_for_f), kind=...)"
        ),
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": "'secret_input_for_f = 123.25'"}
        ),
        nbformat.v4.new_output("stream", name="stdout", text="check_close(f(1.0), 2.0, 'visible')"),
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [test, stash]
    RedactHiddenTests(config=Config()).preprocess(nb, {})
    texts = [str(o.get("text", o.get("data"))) for o in nb.cells[1].outputs]
    assert texts[0] == "my own output\n"
    assert all("removed from feedback" in t for t in texts[1:3]), texts
    assert "visible" in texts[3]  # a visible test's line is no secret
    assert "secret_input" not in str(nb.cells)
