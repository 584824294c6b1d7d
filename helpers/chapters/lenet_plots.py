"""Figures for chapter 06: a network's feature maps as boxes, training curves side by side, a
confusion matrix, and a grid of images with their labels.

Each function draws one new matplotlib figure and returns it (the notebook shows it); nothing
here trains or evaluates. matplotlib is imported inside the functions so `import helpers` stays fast.
"""

import math

import torch


def draw_feature_maps(rows, title="LeNet-5"):
    """Draw each (name, shape) in `rows` as a stack of boxes, left to right.

    `shape` is an output shape with the batch first: (1, C, H, W) is drawn as a stack of up to
    six squares of side proportional to H (labelled "C@HxW"); (1, F) as a thin bar of height
    proportional to F (labelled "F"). Returns the figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    rows = list(rows)
    if not rows:
        raise ValueError("draw_feature_maps needs at least one (name, shape) row.")
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(rows)), 3.2))
    biggest = max(_extent(shape) for _, shape in rows)
    x = 0.0
    for name, shape in rows:
        size = 2.0 * _extent(shape) / biggest  # height in axis units, <= 2
        if len(shape) == 4:  # (1, C, H, W): feature maps
            stack = min(int(shape[1]), 6)
            for k in range(stack):
                ax.add_patch(
                    Rectangle(
                        (x + 0.08 * k, 0.08 * k - size / 2),
                        size * 0.6,
                        size,
                        facecolor="#9ecae1",
                        edgecolor="#3182bd",
                        lw=0.8,
                    )
                )
            label, width = f"{shape[1]}@{shape[2]}x{shape[3]}", size * 0.6 + 0.08 * stack
        else:  # (1, F): a vector
            ax.add_patch(
                Rectangle(
                    (x, -size / 2), 0.15, size, facecolor="#fdae6b", edgecolor="#e6550d", lw=0.8
                )
            )
            label, width = f"{shape[-1]}", 0.15
        ax.text(x + width / 2, -1.25, f"{name}\n{label}", ha="center", va="top", fontsize=8)
        x += width + 0.5
    ax.set_xlim(-0.3, x)
    ax.set_ylim(-1.9, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    return fig


def _extent(shape) -> float:
    # Square-root scaling keeps a 784-long vector and a 5x5 map both visible on one figure.
    return math.sqrt(float(shape[2]) if len(shape) == 4 else float(shape[-1]))


def plot_histories(histories: dict, title="", accuracy_label="test accuracy"):
    """Train loss and evaluation accuracy of several runs (name -> `helpers.History`), side by
    side. `History.test_acc` is the accuracy on whatever set `train` evaluated on: name it with
    `accuracy_label` ("validation accuracy" when that was a validation split)."""
    import matplotlib.pyplot as plt

    if not histories:
        raise ValueError("plot_histories needs at least one run: {name: History}.")
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    for name, h in histories.items():
        left.plot(h.epoch, h.train_loss, marker="o", ms=3, label=name)
        right.plot(h.epoch, h.test_acc, marker="o", ms=3, label=name)
    left.set(xlabel="epoch", ylabel="train loss", title="training loss")
    right.set(xlabel="epoch", ylabel=accuracy_label, title=accuracy_label)
    for ax in (left, right):
        ax.grid(True)
    right.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix, classes, title="confusion matrix"):
    """A (C, C) count matrix as an image: rows are true classes, columns predicted ones."""
    import matplotlib.pyplot as plt

    matrix = torch.as_tensor(matrix).cpu()
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] != len(classes):
        raise ValueError(
            f"expected a ({len(classes)}, {len(classes)}) matrix for "
            f"{len(classes)} classes, got shape {tuple(matrix.shape)}."
        )
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.imshow(matrix.numpy(), cmap="Blues")
    high = float(matrix.max()) if matrix.numel() else 0.0
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            value = int(matrix[i, j])
            ax.text(
                j,
                i,
                str(value),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value > high / 2 else "black",
            )
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    fig.tight_layout()
    return fig


def show_images(images, titles, ncols=8, scale=1.3):
    """Images (N, C, H, W) with values in [0, 1], one title each, in a grid."""
    import matplotlib.pyplot as plt

    images = torch.as_tensor(images).detach().cpu()
    if len(images) != len(titles):
        raise ValueError(f"{len(images)} images but {len(titles)} titles.")
    if len(images) == 0:
        raise ValueError("show_images needs at least one image.")
    ncols = min(ncols, len(images))
    nrows = math.ceil(len(images) / ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(scale * ncols, scale * 1.25 * nrows), squeeze=False
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles):
        picture = image.permute(1, 2, 0).clamp(0, 1).numpy()  # (H, W, C) for imshow
        if picture.shape[2] == 1:
            ax.imshow(picture[:, :, 0], cmap="gray")
        else:
            ax.imshow(picture)
        ax.set_title(title, fontsize=7)
    fig.tight_layout()
    return fig
