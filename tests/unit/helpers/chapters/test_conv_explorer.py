"""helpers.conv_explorer: its arithmetic and its picture checked against PyTorch's own layers.

The oracle for "which input pixels does output (i, j) read" is PyTorch itself: a batch of
one-hot images through `F.conv2d` / `F.conv_transpose2d` with an all-ones kernel.
"""

import base64
import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.chapters.conv_explorer import (
    RERUN_NOTE,
    STATIC_NOTE,
    ConvSetting,
    Explorer,
    draw,
    explore,
    formula,
    input_pixels_read,
    layout,
    output_size,
    render_png,
)


def _settings(transposed: bool):
    for n, k, p, s, d in itertools.product(
        range(1, 8), range(1, 4), range(3), range(1, 4), range(1, 3)
    ):
        for op in range(max(s, d)) if transposed else [0]:
            setting = ConvSetting(n, k, p, s, d, transposed, op)
            try:
                output_size(setting)
            except ValueError:
                continue
            yield setting


def _torch_reads(s: ConvSetting) -> dict:
    """{(i, j): {(row, col), ...}} from PyTorch: which one-hot inputs reach output (i, j)."""
    n = s.size
    eye = torch.eye(n * n, dtype=torch.float64).reshape(n * n, 1, n, n)  # one image per pixel
    w = torch.ones(1, 1, s.kernel, s.kernel, dtype=torch.float64)
    if s.transposed:
        y = F.conv_transpose2d(
            eye,
            w,
            stride=s.stride,
            padding=s.padding,
            output_padding=s.output_padding,
            dilation=s.dilation,
        )
    else:
        y = F.conv2d(eye, w, stride=s.stride, padding=s.padding, dilation=s.dilation)
    out = y.shape[-1]
    return {
        (i, j): {divmod(int(q), n) for q in torch.nonzero(y[:, 0, i, j]).flatten()}
        for i in range(out)
        for j in range(out)
    }, tuple(y.shape[-2:])


@pytest.mark.parametrize("transposed", [False, True], ids=["conv", "transposed"])
def test_output_size_and_pixels_read_match_pytorch(transposed):
    checked = 0
    for s in _settings(transposed):
        reads, shape = _torch_reads(s)
        assert (output_size(s), output_size(s)) == shape, s
        for (i, j), pixels in reads.items():
            assert input_pixels_read(s, i, j) == pixels, (s, i, j)
        checked += 1
    assert checked > 300  # the grid really was explored


def test_output_size_matches_nn_layers_with_rectangular_use():
    # The layers themselves, as a student would build them (one axis at a time).
    conv = nn.Conv2d(1, 1, kernel_size=(3, 2), stride=(2, 3), padding=(1, 0), dilation=(2, 1))
    got = conv(torch.zeros(1, 1, 11, 9)).shape[-2:]
    assert got[0] == output_size(ConvSetting(11, 3, 1, 2, 2))
    assert got[1] == output_size(ConvSetting(9, 2, 0, 3, 1))
    up = nn.ConvTranspose2d(1, 1, 4, stride=2, padding=1)
    assert up(torch.zeros(1, 1, 7, 7)).shape[-1] == output_size(ConvSetting(7, 4, 1, 2, 1, True))


def test_formula_shows_the_numbers_and_the_floor():
    text = formula(ConvSetting(8, 3, 0, 2, 1))  # (8 - 3) / 2 = 2.5: the floor matters
    assert "floor((8 + 2*0 - 1*(3-1) - 1) / 2) + 1 = floor(5/2) + 1 = 3" in text
    assert formula(ConvSetting(3, 3, 1, 2, 1, True, 1)).endswith("= 6")


@pytest.mark.parametrize(
    "bad, words",
    [
        (ConvSetting(size=3, kernel=5), "lower kernel or dilation"),
        (ConvSetting(size=3, kernel=3, stride=0), "stride must be at least 1"),
        (ConvSetting(size=3, kernel=2, padding=2, transposed=True), "crops"),
        (
            ConvSetting(size=3, kernel=3, stride=2, output_padding=2, transposed=True),
            "output_padding",
        ),
    ],
)
def test_invalid_settings_say_what_to_change(bad, words):
    with pytest.raises(ValueError, match=words):
        output_size(bad)


def test_picture_marks_unread_pixels_where_the_floor_drops_them():
    s = ConvSetting(size=6, kernel=2, stride=3)  # outputs read columns 0-1 and 3-4; 2 and 5 never
    lay = layout(s)
    assert lay.starts == (0, 3)
    fig = draw(s)
    ax_in, ax_out = fig.axes
    crosses = [t for t in ax_in.texts if t.get_text() == "×"]
    # unread cells: every cell in row or column 2 or 5 of the 6x6 input -> 36 - 16 = 20
    assert len(crosses) == 20
    assert len(ax_in.patches) == 36 and len(ax_out.patches) == 4


def test_one_position_shows_exactly_the_kernel_taps():
    s = ConvSetting(size=5, kernel=3, padding=1, stride=2, dilation=2)
    out = output_size(s)
    for position in range(1, out * out + 1):
        fig = draw(s, position)
        ax_in = fig.axes[0]
        taps = len(ax_in.patches) - layout(s).grid ** 2  # one extra square per kernel tap
        assert taps == s.kernel**2
    with pytest.raises(ValueError, match="position must be"):
        draw(s, out * out + 1)


def test_render_png_and_static_fallback(capsys):
    assert render_png(ConvSetting()).startswith(b"\x89PNG")
    fig = explore(ConvSetting(size=4, kernel=2))  # pytest is no notebook: the static figure
    assert capsys.readouterr().out.strip() == STATIC_NOTE
    assert fig.axes[1].get_title() == "output 3x3"


def test_explorer_widget_updates_one_image_in_place():
    ex = Explorer(ConvSetting(size=5, kernel=3))
    image, first = ex.image, bytes(ex.image.value)
    assert first.startswith(b"\x89PNG") and ex.position.max == 9
    ex.controls["padding"].value = 1  # 5x5 output now
    assert ex.image is image and bytes(ex.image.value) != first
    assert ex.position.max == 25 and "= 5" in ex.text.value
    ex.position.value = 25
    ex.controls["padding"].value = 0  # back to 3x3: position clamps to 9
    assert ex.position.value == 9
    good = bytes(ex.image.value)
    ex.controls["kernel"].value = 7  # larger than the input: a message, same picture
    assert "Not a valid setting" in ex.text.value and bytes(ex.image.value) == good
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert RERUN_NOTE in bundle["text/html"]
    assert base64.b64decode(bundle["image/png"]) == render_png(ex.shown)  # the fallback picture


def test_autograder_in_a_kernel_gets_the_static_picture_not_widgets(monkeypatch, capsys):
    import helpers.chapters.conv_explorer as ce

    shown = []
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setattr(ce, "in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    assert not ce.widgets_available()
    assert explore() is None
    assert capsys.readouterr().out.strip() == STATIC_NOTE
    assert len(shown) == 1 and shown[0].data.startswith(b"\x89PNG")
