"""GradingExecute's limits on real kernels: output caps for every message type, the notebook's
time budget, flagged ungraded time-outs, test cells kept out of the kernel's history, and a
kernel death that costs only its cell (restart, silent replay, and where that gives up).

Notebooks built in memory, run by the real GradingExecute (a plain local kernel: the sandbox
has its own tests) with the recorder installed as nbgrader_config.py installs it.
"""

import json
import time

import nbformat
import pytest
from traitlets.config import Config

from grading.flags import noted
from grading.preprocessors.grading_execute import GradingExecute
from tests.unit.grading.preprocessors.cells import cell as graded_cell

pytestmark = pytest.mark.slow
v4 = nbformat.v4


def _run(cells, tmp_path, **options):
    config = Config()
    config.GradingExecute.kernel_name = "python3"
    config.GradingExecute.extra_arguments = [
        "--HistoryManager.hist_file=:memory:",
        "--IPKernelApp.exec_lines=import grading.verdict.recorder as _r; _r.install(); del _r",
    ]
    for name, value in options.items():
        setattr(config.GradingExecute, name, value)
    nb = v4.new_notebook(cells=cells)
    # "nbgrader" in resources: graded as a submission (with a budget; no source notebook here,
    # so the budget is the floor).
    resources = {"metadata": {"path": str(tmp_path)}, "nbgrader": {"assignment": "a"}}
    start = time.monotonic()
    nb, resources = GradingExecute(config=config).preprocess(nb, resources)
    return nb, noted(resources), time.monotonic() - start


def _size(cell) -> int:
    return len(json.dumps(cell.get("outputs", [])))


def test_display_updates_count_against_the_caps_and_an_honest_progress_display_does_not(
    tmp_path,
):
    bomb = v4.new_code_cell(
        "h = display('start', display_id=True)\n"
        "for i in range(40):\n    h.update('y' * 200_000)\n"  # 8 MB sent, in place
        "g = display('small', display_id=True)\ng.update('z' * 3_000_000)"  # one huge update
    )
    progress = v4.new_code_cell(
        "p = display('0%', display_id=True)\nfor i in range(301):\n    p.update(f'{i / 3:.0f}%')"
    )
    printer = v4.new_code_cell("for i in range(200):\n    print('x' * 10_000)")  # 2 MB of stream
    many = [v4.new_code_cell("display('w' * 900_000)") for _ in range(8)]  # 7.2 MB in all
    nb, flags, _ = _run([bomb, progress, printer, *many], tmp_path, max_notebook_bytes=3_000_000)
    assert _size(nb.cells[0]) < 1_100_000  # 200 kB held in place, the 3 MB update dropped
    assert "z" * 1000 not in json.dumps(nb.cells[0].outputs)
    assert nb.cells[1].outputs[0]["data"]["text/plain"] == "'100%'"  # updates applied
    assert _size(nb.cells[2]) < 1_100_000 and "output truncated" in json.dumps(nb.cells[2].outputs)
    assert sum(_size(c) for c in nb.cells) < 3_200_000  # the notebook's cap
    reasons = [f.reason for f in flags if f.kind == "output_cap"]
    assert any("in this notebook" in r for r in reasons) and len(reasons) >= 3, reasons
    assert not [f for f in flags if f.kind != "output_cap"], flags


def test_time_budget_stops_a_time_waster_grades_what_ran_and_flags_an_ungraded_timeout(
    tmp_path,
):
    cells = [
        v4.new_code_cell("import time\nprint('ran')"),
        v4.new_code_cell("while True:\n    pass"),  # not graded: past the 3 s per-cell limit
        v4.new_code_cell("time.sleep(2.5)"),
        v4.new_code_cell("time.sleep(2.5)"),
        v4.new_code_cell("time.sleep(2.5)"),
        v4.new_code_cell("print('never')"),
    ]
    nb, flags, seconds = _run(cells, tmp_path, timeout=3, time_budget_floor=8.0)
    assert nb.cells[0].outputs[0]["text"] == "ran\n"
    assert nb.cells[-1].outputs[0]["ename"] == "NotRun"
    assert "time budget" in nb.cells[-1].outputs[0]["evalue"]
    kinds = [(f.kind, f.reason) for f in flags]
    assert any(k == "time_budget" and "not graded" in r for k, r in kinds), kinds
    assert any(k == "time_budget" and "budget of 8 s" in r for k, r in kinds), kinds
    assert seconds < 8 + 6, seconds  # the budget, plus shutting the kernel down


def test_no_later_cell_finds_a_test_cell_in_the_kernels_history(tmp_path):
    answer = graded_cell("code", "f", solution=True)
    answer.source = "def f(x):\n    return 2 * x"
    test = graded_cell("code", "f_test", grade=True, locked=True, points=1)
    test.source = (
        '"""f doubles"""\nfrom helpers.checks import check_close\n'
        "check_close(f(1.0), 2.0, 'f(1)')\n"
        "### BEGIN HIDDEN TESTS\nsecret_input_for_f = 123.25\n"
        "check_close(f(secret_input_for_f), 246.5, 'f(secret)')\n### END HIDDEN TESTS"
    )
    probe = v4.new_code_cell(
        "import linecache\n"
        "print(In, _ih, Out, globals().get('_i'), globals().get('_ii'))\n"
        "mark = 'dlbook_' + 'record'\n"
        "print([v[2] for v in linecache.cache.values() if mark in ''.join(v[2])])\n"
        "print([''.join(v[2]) for v in linecache.cache.values() if 'def f(x)' in ''.join(v[2])])\n"
        "print(get_ipython().history_manager.input_hist_raw)"
    )
    nb, flags, _ = _run([answer, test, probe], tmp_path)
    shown = json.dumps(nb.cells[2].outputs)
    assert "def f(x)" in shown  # the probe ran and sees the student's own cells
    assert "__dlbook_record__(f(secret" not in shown and "secret_input_for_f" not in shown, shown
    assert not flags, flags


def _texts(cell) -> list[str]:
    return [o.get("text", o.get("evalue", "")) for o in cell.get("outputs", [])]


def test_a_kernel_death_costs_its_cell_only_the_earlier_cells_replayed_silently(tmp_path):
    cells = [
        v4.new_code_cell("import os\nx = 41\nprint('setup')"),
        v4.new_code_cell("os._exit(1)"),
        v4.new_code_cell("print(x + 1)"),  # the replay restored x
    ]
    nb, flags, _ = _run(cells, tmp_path)
    assert _texts(nb.cells[0]) == ["setup\n"]  # the replay's own output is thrown away
    assert nb.cells[1].outputs[-1]["ename"] == "DeadKernelError"
    assert _texts(nb.cells[2]) == ["42\n"]
    assert [(f.kind, f.cell) for f in flags] == [("kernel_death", "cell 2")]


def test_past_max_restarts_the_rest_is_not_run_and_flagged(tmp_path):
    cells = [
        v4.new_code_cell("import os"),
        v4.new_code_cell("os._exit(1)"),
        v4.new_code_cell("os._exit(1)"),
        v4.new_code_cell("print('never')"),
    ]
    nb, flags, _ = _run(cells, tmp_path, max_restarts=1)
    assert [o["ename"] for o in nb.cells[2].outputs] == ["DeadKernelError"]
    assert nb.cells[3].outputs[0]["ename"] == "NotRun"
    assert "more than 1 kernel restarts" in nb.cells[3].outputs[0]["evalue"]
    stops = [f for f in flags if "grading stopped early" in f.reason]
    assert [(f.kind, f.cell) for f in stops] == [("kernel_death", "cell 3")], flags


def test_when_the_replay_itself_fails_grading_stops_and_says_so(tmp_path):
    cells = [  # the first cell kills any kernel that runs it a second time
        v4.new_code_cell(
            "import os\nif os.path.exists('ran'):\n    os._exit(1)\nopen('ran', 'w').close()"
        ),
        v4.new_code_cell("os._exit(1)"),
        v4.new_code_cell("print('never')"),
    ]
    nb, flags, _ = _run(cells, tmp_path)
    assert nb.cells[2].outputs[0]["ename"] == "NotRun"
    assert "re-running the earlier cells after a restart failed" in nb.cells[2].outputs[0]["evalue"]
    assert sorted(f.kind for f in flags) == ["kernel_death", "kernel_death"], flags
