"""KernelFlags and SourceScan on notebooks built in memory: the kernel's by-hand flags become
TA flags on their test cell and leave the feedback; the source scan's findings become
"introspection" flags on their answer cell; neither touches a score or flags a clean notebook."""

import nbformat

from grading.flags import noted
from grading.preprocessors.kernel_flags import MAX_FLAGS, KernelFlags
from grading.preprocessors.source_scan import KIND, findings
from helpers.grader_flags import FLAG_MIME
from tests.unit.grading.preprocessors.cells import cell as _cell
from tests.unit.grading.preprocessors.cells import source_notebook as _source


def _flag_output(kind="by_hand", reason="corr2d reached aten.convolution"):
    return nbformat.v4.new_output(
        "display_data", data={FLAG_MIME: {"kind": kind, "reason": reason}, "text/plain": "x"}
    )


def _graded(*outputs):
    nb = _source()
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="✔\n"), *outputs]
    return nb


def test_a_kernel_flag_is_noted_on_its_test_cell_and_removed_from_the_outputs():
    nb, resources = KernelFlags().preprocess(_graded(_flag_output(), _flag_output()), {})
    [flag] = noted(resources)  # the same flag twice is one flag
    assert (flag.kind, flag.cell, flag.reason) == (
        "by_hand",
        "f_test",
        "corr2d reached aten.convolution",
    )
    assert [o.output_type for o in nb.cells[1].outputs] == ["stream"]


def test_a_clean_notebook_is_left_alone():
    nb, resources = KernelFlags().preprocess(_graded(), {})
    assert noted(resources) == [] and len(nb.cells[1].outputs) == 1


def test_forged_flags_are_capped_and_unknown_kinds_dropped():
    forged = [_flag_output(reason=f"look {i}") for i in range(3 * MAX_FLAGS)]
    nb, resources = KernelFlags().preprocess(_graded(*forged, _flag_output("grader_error")), {})
    assert len(noted(resources)) == MAX_FLAGS
    assert all(f.kind == "by_hand" for f in noted(resources))
    assert [o.output_type for o in nb.cells[1].outputs] == ["stream"]


def test_the_source_scan_names_the_answer_cell_and_line_and_skips_the_instructors_cells():
    instructor = _source()
    instructor.cells.insert(0, nbformat.v4.new_code_cell("import inspect  # the instructor's"))
    instructor.cells.insert(1, nbformat.v4.new_code_cell("frames = inspect.stack()"))
    submitted = nbformat.v4.new_notebook()
    submitted.cells = [c.copy() for c in instructor.cells]
    submitted.cells[2].source = "def f():\n    return sys._getframe(1).f_locals"
    submitted.cells[3].source = "globals()  # a test cell: the instructor's, never scanned"
    assert findings(instructor, instructor) == []
    [(gid, reason)] = findings(submitted, instructor)
    assert gid == "f" and reason.startswith("answer cell f, line 2: ")
    assert "sys._getframe" in reason and KIND == "introspection"


def test_a_locked_cell_is_not_scanned():
    nb = _source()
    nb.cells.append(_cell("code", "setup", locked=True))
    nb.cells[-1].source = "import ctypes"
    assert findings(nb, None) == []
