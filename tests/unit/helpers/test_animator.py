"""Animator in a real kernel (one PNG, updated in place, final state shown), in a script
(quiet text lines), and under nbgrader (nothing at all); the pace of frames."""

import base64
import io
import itertools
import json
import time

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
        "print(anim.mode, anim.draws, anim.X[0][-1], len(anim.X[1]))",
    )
    loop, report = nb.cells
    # nbclient applies update_display_data to the original output, as a frontend does: the
    # cell holds exactly one picture, and no clear_output was ever sent.
    assert _kinds(loop) == [("display_data", ["image/png", "text/plain"])]
    mode, draws, last_x, n_acc = report.outputs[0]["text"].split()
    assert mode == "notebook"
    # The cell-end hook drew the last point: the picture on screen ends where the data ends.
    shown = _frame_info(base64.b64decode(loop.outputs[0]["data"]["image/png"]))
    assert shown["x_last"] == pytest.approx(2.99) and shown["points"] == [300, 150], shown
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
    assert _frame_info(shown[0].data)["ylim"] == [0, 1], "a fixed ylim is kept"


def test_a_grid_of_panels_is_refused_with_a_message():
    """d2l's nrows/ncols: its Animator drew into the first panel only, leaving the rest empty."""
    with pytest.raises(ValueError, match="one Animator per plot"):
        helpers.Animator(nrows=2, ncols=1, mode="notebook")


class _FakeDisplay:
    """Stands in for IPython's display(..., display_id=True): records when each frame arrived."""

    def __init__(self):
        self.frames = []  # (seconds since the first add, PNG bytes)
        self.start = None

    def display(self, obj, display_id=None):
        self.frames.append((time.perf_counter() - self.start, obj.data))
        return self

    def update(self, obj):
        self.frames.append((time.perf_counter() - self.start, obj.data))


def _frame_info(png: bytes) -> dict:
    from PIL import Image

    return json.loads(Image.open(io.BytesIO(png)).text[helpers.Animator.FRAME_KEY])


def test_first_frame_has_data_at_once_and_frames_follow_steadily(monkeypatch):
    """The first batches show a dot within a second, not empty axes; then a frame at least
    every MAX_INTERVAL (plus one frame's cost) while points keep coming, and the last frame
    holds every point."""
    fake = _FakeDisplay()
    monkeypatch.setattr("IPython.display.display", fake.display)
    anim = helpers.Animator(
        xlabel="epoch", xlim=[0, 2], legend=["train loss", "test acc"], mode="notebook"
    )
    fake.start = time.perf_counter()
    n = 0
    while time.perf_counter() - fake.start < 4.0:  # "training": a point every 20 ms
        n += 1
        anim.add(n / 100, (1.0 / n, None if n % 10 else n / 200))
        time.sleep(0.02)
    anim.flush()
    times = [t for t, _ in fake.frames]
    first = _frame_info(fake.frames[0][1])
    assert times[0] < 1.0 and first["points"][0] >= 1, (
        f"first frame after {times[0]:.2f} s showing {first['points']} points"
    )
    gaps = [b - a for a, b in itertools.pairwise(times)]
    slack = 0.5  # one frame's cost on a loaded 2-core machine
    assert max(gaps[:-1]) <= helpers.Animator.MAX_INTERVAL + slack, (
        f"frames at {[round(t, 2) for t in times]}: a gap of {max(gaps):.2f} s"
    )
    last = _frame_info(fake.frames[-1][1])
    assert last["points"] == [n, n // 10] and last["x_last"] == pytest.approx(n / 100)


def test_a_lone_point_is_drawn_as_a_dot_and_a_line_has_no_dots(monkeypatch):
    monkeypatch.setattr("IPython.display.display", lambda obj, display_id=None: None)
    anim = helpers.Animator(legend=["a"], mode="notebook", min_interval=0)
    anim.add(0, 1.0)
    assert anim._lines[0].get_marker() == "o", "one point: a dot, or the first frame is empty"
    anim.add(1, 2.0)
    assert anim._lines[0].get_marker() == "None", "two points: a plain line again"


def test_slow_frames_space_out_but_never_beyond_max_interval():
    anim = helpers.Animator(mode="text", min_interval=0.25)
    anim._draw_cost = 0.001
    assert anim._gap() == 0.25, "cheap frames: min_interval"
    anim._draw_cost = 0.02
    assert anim._gap() == pytest.approx(0.02 / anim.MAX_DRAW_SHARE), "costly: a small share"
    anim._draw_cost = 0.3
    assert anim._gap() == anim.MAX_INTERVAL, "very costly: still a frame every MAX_INTERVAL"


def test_the_legend_sits_beside_the_curves_not_over_them(monkeypatch):
    """Placed before any data, a legend inside the axes ends up over the curves (chapter 06)."""
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, display_id=None: shown.append(obj))
    anim = helpers.Animator(legend=["train loss", "train acc", "test acc"], mode="notebook")
    anim.add(0.2, (2.0, 0.3, None))
    info = _frame_info(shown[0].data)
    ax0, _, ax1, _ = info["axes_box"]
    lx0, _, lx1, _ = info["legend_box"]
    assert lx0 >= ax1 or lx1 <= ax0, f"legend {info['legend_box']} over axes {info['axes_box']}"
    width = shown[0].data and anim._fig.get_size_inches()[0]
    assert width == pytest.approx(3.5 + 1.1), "the figure widens by the legend, the axes keep"


@pytest.mark.slow
def test_the_status_line_is_one_text_display_updated_in_place_above_the_plot():
    nb = run_cells(
        "import helpers\n"
        "anim = helpers.Animator(legend=['loss'], min_interval=0)\n"
        "for i in range(1, 30):\n"
        "    anim.set_status(f'epoch 1/1 · batch {i}/29 · about 0:{29 - i:02d} left')\n"
        "    anim.add(i, 1 / i)\n"
        "anim.flush()",
    )
    (cell,) = nb.cells
    assert _kinds(cell) == [
        ("display_data", ["text/plain"]),
        ("display_data", ["image/png", "text/plain"]),
    ]
    assert cell.outputs[0]["data"]["text/plain"] == "epoch 1/1 · batch 29/29 · about 0:00 left"
    last = _frame_info(base64.b64decode(cell.outputs[1]["data"]["image/png"]))
    assert last["status"].startswith("epoch 1/1 · batch 29/29")
