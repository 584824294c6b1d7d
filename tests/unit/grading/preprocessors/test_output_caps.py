"""OutputCaps without a kernel: Jupyter messages, built as a kernel sends them, are fed to the
real GradingExecute through nbclient's own `process_message` (what runs them while a cell
executes), and the notebook is read afterwards. The same caps on real kernels, every message
type at once: tests/test_grading_limits.py (slow)."""

import copy
import itertools
import json

import nbformat
from nbclient import NotebookClient

from grading.flags import noted
from grading.preprocessors import output_caps
from grading.preprocessors.grading_execute import GradingExecute
from grading.verdict.records import MIME
from tests.unit.grading.preprocessors.cells import cell as graded_cell

CELL_CAP, NOTEBOOK_CAP = 10_000, 25_000
_ids = itertools.count()


def _grader(cells: int = 3, cell_cap: int = CELL_CAP, notebook_cap: int = NOTEBOOK_CAP):
    """A GradingExecute set up as its `preprocess` sets it up, minus the kernel."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("") for _ in range(cells)])
    nb.cells[0] = graded_cell("code", "f_test", grade=True, locked=True, points=1)
    nb.cells[0].outputs = []
    grader = GradingExecute(max_output_bytes=cell_cap, max_notebook_bytes=notebook_cap)
    NotebookClient.__init__(grader, nb, None)
    grader.reset_execution_trackers()
    grader.clear_before_next_output = False  # what nbclient sets as each cell starts
    grader.resources = {"metadata": {"path": "."}}
    grader._reset_caps()
    return grader


def _send(grader, index: int, msg_type: str, content: dict) -> None:
    msg = {
        "msg_type": msg_type,
        "header": {"msg_type": msg_type, "msg_id": f"m{next(_ids)}"},
        "parent_header": {"msg_id": "execute-request"},
        "content": copy.deepcopy(content),  # the caps shorten an error's content in place
        "metadata": {},
    }
    grader.process_message(msg, grader.nb.cells[index], index)


def _print(grader, index: int, text: str) -> None:
    _send(grader, index, "stream", {"name": "stdout", "text": text})


def _display(grader, index: int, text: str, display_id=None, update=False) -> None:
    content = {"data": {"text/plain": text}, "metadata": {}}
    if display_id:
        content["transient"] = {"display_id": display_id}
    _send(grader, index, "update_display_data" if update else "display_data", content)


def _texts(grader, index: int) -> str:
    """The cell's outputs as text (the tests' payloads are symbols no JSON key holds)."""
    return json.dumps(grader.nb.cells[index].outputs)


def _flags(grader) -> list[tuple[str | None, str]]:
    return [(f.cell, f.reason) for f in noted(grader.resources) if f.kind == "output_cap"]


def test_output_within_the_caps_is_kept_whole_and_unflagged():
    grader = _grader()
    for _ in range(4):
        _print(grader, 1, "#" * 2_000)
    assert _texts(grader, 1).count("#") == 8_000
    assert _flags(grader) == []


def test_past_the_cell_cap_the_rest_is_dropped_with_one_line_and_one_flag():
    grader = _grader()
    for _ in range(10):
        _print(grader, 0, "#" * 3_000)
    outputs = grader.nb.cells[0].outputs
    assert _texts(grader, 0).count("#") == 9_000  # three fit under 10,000 bytes
    assert sum("output truncated" in o.get("text", "") for o in outputs) == 1
    assert _flags(grader) == [
        (
            "f_test",
            f"output truncated: more than {CELL_CAP} bytes in this cell (the rest was dropped)",
        )
    ]


def test_past_the_notebook_cap_every_cell_is_cut_and_the_notebook_flagged_once():
    grader = _grader(cells=5)
    for index in range(5):
        for _ in range(3):
            _print(grader, index, "@" * 2_900)
    held = sum(_texts(grader, i).count("@") for i in range(5))
    assert 20_000 < held <= NOTEBOOK_CAP
    assert [cell for cell, reason in _flags(grader)] == [None]  # once, for the whole notebook


def test_clear_output_gives_the_cells_bytes_back():
    grader = _grader()
    for _ in range(5):  # a progress line redrawn: 5 x 6 kB sent, 6 kB held at a time
        _send(grader, 1, "clear_output", {"wait": False})
        _print(grader, 1, "~" * 6_000)
    assert _texts(grader, 1).count("~") == 6_000 and _flags(grader) == []


def test_a_display_updated_in_place_counts_once_and_an_oversized_update_is_dropped():
    grader = _grader()
    _display(grader, 1, "0%", display_id="bar")
    for percent in range(1, 101):  # 100 updates of 5 kB, held in one place
        _display(grader, 1, f"{percent}%" + "." * 5_000, display_id="bar", update=True)
    assert grader.nb.cells[1].outputs[0]["data"]["text/plain"].startswith("100%")
    assert _flags(grader) == []
    _display(grader, 1, "!" * 20_000, display_id="bar", update=True)  # past the cell cap
    assert grader.nb.cells[1].outputs[0]["data"]["text/plain"].startswith("100%")  # kept
    assert "!" * 100 not in _texts(grader, 1)
    assert [cell for cell, _ in _flags(grader)] == ["cell 2"]  # no grade_id: its place


def test_an_error_is_always_kept_shortened_even_past_a_cap():
    grader = _grader()
    _print(grader, 0, "#" * 9_900)  # the cell is nearly full
    traceback = [f"line {i}: " + "t" * 300 for i in range(100)]
    error = {"ename": "AssertionError", "evalue": "e" * 5_000, "traceback": traceback}
    _send(grader, 0, "error", error)
    kept = grader.nb.cells[0].outputs[-1]
    assert kept["output_type"] == "error" and kept["ename"] == "AssertionError"
    assert kept["traceback"] == [traceback[-1]]  # past the cap: where it failed, only
    assert kept["evalue"] == "e" * 200
    # Within the caps an error keeps its last 60 traceback lines, 2,000 characters each.
    roomy = _grader(cell_cap=1_000_000, notebook_cap=1_000_000)
    _send(roomy, 0, "error", {**error, "traceback": [f"l{i} " + "t" * 5_000 for i in range(100)]})
    kept = roomy.nb.cells[0].outputs[-1]
    assert len(kept["evalue"]) == output_caps.ERROR_TEXT == 2_000
    assert len(kept["traceback"]) == output_caps.ERROR_LINES == 60
    assert kept["traceback"][0].startswith("l40 ") and len(kept["traceback"][0]) == 2_000


def test_records_are_counted_apart_and_one_too_many_makes_them_fail(monkeypatch):
    monkeypatch.setattr(output_caps, "MAX_RECORD_BYTES", 30_000)
    grader = _grader()

    def record(payload):
        _send(
            grader,
            0,
            "display_data",
            {"data": {MIME: {"kind": "close", "v": payload}}, "metadata": {}},
        )

    record("^" * 9_000)
    record("^" * 9_000)  # 18 kB of records: past the cell cap, within the records' own
    _print(grader, 0, "$" * 9_000)  # the cell's printed output has its own 10 kB
    assert _texts(grader, 0).count("^") == 18_000 and _texts(grader, 0).count("$") == 9_000
    record("^" * 20_000)  # past the records' cap: a malformed record instead, then nothing
    record("^" * 10)
    records = [o["data"][MIME] for o in grader.nb.cells[0].outputs if MIME in o.get("data", {})]
    assert records[-1] == {"kind": "?", "error": "too much recorded"} and len(records) == 3
    assert _flags(grader) == []


def test_widget_messages_count_against_the_cell():
    grader = _grader()
    for _ in range(5):
        _send(grader, 1, "comm_msg", {"comm_id": "w", "data": {"state": {"value": "v" * 3_000}}})
    assert [cell for cell, _ in _flags(grader)] == ["cell 2"]
