"""Animator in a real kernel (one PNG, updated in place, final state shown), in a script
(quiet text lines), and under nbgrader (nothing at all)."""
import pytest

import helpers
from tests.kernel import run_cells


def _kinds(cell):
    return [(o.output_type, sorted(o.get("data", {}))) for o in cell.outputs]


@pytest.mark.slow
def test_in_a_kernel_one_display_is_updated_in_place_and_ends_on_the_last_point():
    nb = run_cells(
        "import helpers\n"
        "anim = helpers.Animator(xlabel='epoch', legend=['loss', 'acc'], min_interval=0.2)\n"
        "for i in range(300):\n"
        "    anim.add(i / 100, (1 / (i + 1), None if i % 2 else i / 300))\n",
        # The cell-end hook has drawn the last point: nothing is left pending.
        "print(anim.mode, anim.draws, anim._dirty, anim.X[0][-1], len(anim.X[1]))",
    )
    loop, report = nb.cells
    # nbclient applies update_display_data to the original output, as a frontend does: the
    # cell holds exactly one picture, and no clear_output was ever sent.
    assert _kinds(loop) == [("display_data", ["image/png", "text/plain"])]
    mode, draws, dirty, last_x, n_acc = report.outputs[0]["text"].split()
    assert mode == "notebook" and dirty == "False"
    assert 1 <= int(draws) < 300, "redraws are throttled, not one per point"
    assert float(last_x) == pytest.approx(2.99)
    assert int(n_acc) == 150, "None values are skipped, not plotted"


@pytest.mark.slow
def test_under_autograde_the_kernel_draws_nothing(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    nb = run_cells(
        "import helpers\n"
        "anim = helpers.Animator(legend=['loss'])\n"
        "for i in range(100):\n"
        "    anim.add(i, i)\n"
        "anim.flush()\n"
        "print(anim.mode, anim.draws)",
    )
    assert [o["text"] for o in nb.cells[0].outputs] == ["off 0\n"]


def test_outside_a_notebook_prints_a_quiet_text_line(capsys):
    anim = helpers.Animator(xlabel="epoch", legend=["train loss", "test acc"])
    assert anim.mode == "text"
    for i in range(50):
        anim.add(i + 1, (1.0 / (i + 1), None))
    anim.flush()
    lines = capsys.readouterr().out.splitlines()
    assert 1 <= len(lines) <= 3, "throttled to a line every few seconds plus the final state"
    assert lines[-1] == "epoch 50: train loss 0.02"


def test_off_mode_costs_nothing_and_draws_nothing(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    anim = helpers.Animator(legend=["a"])
    for i in range(1000):
        anim.add(i, i)
    anim.flush()
    assert anim.mode == "off" and anim.draws == 0 and anim.X == []
    assert capsys.readouterr().out == ""


def test_png_rendering_outside_a_kernel_is_possible(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, display_id=None: shown.append(obj))
    anim = helpers.Animator(legend=["a", "b"], ylim=(0, 1), mode="notebook")
    anim.add([0, 0], [0.1, 0.2])
    assert len(shown) == 1 and shown[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    assert anim._axes.get_ylim() == (0, 1), "a fixed ylim is kept when the data rescale"
