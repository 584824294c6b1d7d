"""Chapter 06's figures: what each draws (boxes, lines, cells, images) and its clear errors."""

import matplotlib
import pytest
import torch

from helpers.chapters.lenet_plots import (
    draw_feature_maps,
    plot_confusion_matrix,
    plot_histories,
    show_images,
)
from helpers.training import History

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def test_feature_maps_draw_one_box_per_map_up_to_six_and_label_every_layer():
    rows = [
        ("input", (1, 1, 28, 28)),
        ("conv", (1, 6, 28, 28)),
        ("pool", (1, 16, 5, 5)),
        ("dense", (1, 120)),
    ]
    fig = draw_feature_maps(rows)
    ax = fig.axes[0]
    assert len(ax.patches) == 1 + 6 + 6 + 1  # 16 maps are drawn as a stack of six
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["input\n1@28x28", "conv\n6@28x28", "pool\n16@5x5", "dense\n120"]
    heights = [p.get_height() for p in ax.patches]
    assert heights[-1] == pytest.approx(2.0)  # the 120-long vector is the tallest here
    assert heights[-2] < heights[1] == heights[0]  # 5x5 maps are drawn smaller than 28x28
    with pytest.raises(ValueError, match="at least one"):
        draw_feature_maps([])


def test_histories_plot_loss_and_test_accuracy_per_run():
    a = History(epoch=[1, 2], train_loss=[1.0, 0.5], test_acc=[0.6, 0.7])
    b = History(epoch=[1, 2, 3], train_loss=[2.0, 1.0, 0.2], test_acc=[0.3, 0.5, 0.8])
    fig = plot_histories({"a": a, "b": b})
    left, right = fig.axes
    assert [list(line.get_ydata()) for line in left.lines] == [[1.0, 0.5], [2.0, 1.0, 0.2]]
    assert [list(line.get_ydata()) for line in right.lines] == [[0.6, 0.7], [0.3, 0.5, 0.8]]
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["a", "b"]
    assert right.get_ylabel() == "test accuracy"
    fig = plot_histories({"a": a}, accuracy_label="validation accuracy")
    assert fig.axes[1].get_ylabel() == fig.axes[1].get_title() == "validation accuracy"


def test_confusion_matrix_shows_every_count_with_true_classes_as_rows():
    cm = torch.tensor([[5, 1, 0], [2, 7, 0], [0, 0, 3]])
    fig = plot_confusion_matrix(cm, ["x", "y", "z"])
    ax = fig.axes[0]
    assert ax.images[0].get_array().tolist() == cm.tolist()
    assert sorted(int(t.get_text()) for t in ax.texts) == sorted(cm.flatten().tolist())
    assert ax.get_ylabel() == "true class" and ax.get_xlabel() == "predicted class"
    with pytest.raises(ValueError, match=r"expected a \(2, 2\) matrix"):
        plot_confusion_matrix(cm, ["x", "y"])


@pytest.mark.parametrize("channels", [1, 3])
def test_show_images_puts_each_image_with_its_title_in_a_grid(channels):
    images = torch.rand(5, channels, 8, 8)
    fig = show_images(images, [f"img {i}" for i in range(5)], ncols=3)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 6 and len(shown) == 5
    assert [ax.get_title() for ax in shown] == [f"img {i}" for i in range(5)]
    first = shown[0].images[0].get_array()
    expected = images[0, 0] if channels == 1 else images[0].permute(1, 2, 0)
    assert torch.allclose(torch.as_tensor(first.data), expected)
    with pytest.raises(ValueError, match="5 images but 4 titles"):
        show_images(images, ["a"] * 4)
