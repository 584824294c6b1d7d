"""helpers.plot draws what it is given: one series or several, tensors included, labelled.

Checked on the matplotlib Axes it returns (the lines' data, formats, labels, limits, legend),
with the non-interactive Agg backend; every figure is closed afterwards.
"""

import matplotlib
import pytest
import torch

import helpers

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def lines_of(axes):
    return [(list(line.get_xdata()), list(line.get_ydata())) for line in axes.get_lines()]


def test_two_functions_of_one_x_with_labels_and_legend():
    x = [0.0, 1.0, 2.0]
    axes = helpers.plot(
        x,
        [[0.0, 1.0, 4.0], [1.0, 1.0, 1.0]],
        xlabel="x",
        ylabel="f(x)",
        legend=["x^2", "1"],
        xlim=[0, 2],
        ylim=(-1, 5),
    )
    assert lines_of(axes) == [(x, [0.0, 1.0, 4.0]), (x, [1.0, 1.0, 1.0])]
    assert [line.get_linestyle() for line in axes.get_lines()] == ["-", "--"]  # "-", "m--"
    assert axes.get_lines()[1].get_color() == "m"
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("x", "f(x)")
    assert tuple(axes.get_xlim()) == (0, 2) and tuple(axes.get_ylim()) == (-1, 5)
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["x^2", "1"]


def test_one_series_without_y_is_plotted_against_its_indices():
    axes = helpers.plot([3.0, 1.0, 2.0])
    assert lines_of(axes) == [([0, 1, 2], [3.0, 1.0, 2.0])]
    assert axes.get_legend() is None


def test_tensors_needing_grad_are_detached_and_plotted():
    """What a student has after autograd: a 1-D tensor with requires_grad, not a list."""
    x = torch.linspace(0, 1, 5, requires_grad=True)
    axes = helpers.plot(x, [x**2, 2 * x], yscale="log")
    (x0, y0), (x1, y1) = lines_of(axes)
    assert x0 == pytest.approx(x.tolist()) and x1 == pytest.approx(x.tolist())
    assert y0 == pytest.approx((x**2).tolist()) and y1 == pytest.approx((2 * x).tolist())
    assert axes.get_yscale() == "log"


def test_draws_on_given_axes_and_sets_figsize():
    import matplotlib.pyplot as plt

    _, given = plt.subplots()
    assert helpers.plot([1.0, 2.0], [3.0, 4.0], axes=given) is given
    assert lines_of(given) == [([1.0, 2.0], [3.0, 4.0])]
    before = dict(plt.rcParams)
    try:
        helpers.set_figsize((5, 2))
        assert tuple(plt.rcParams["figure.figsize"]) == (5, 2)
    finally:
        plt.rcParams["figure.figsize"] = before["figure.figsize"]
