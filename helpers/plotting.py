"""Static plots in the style of the lecture notes: `set_figsize`, `set_axes`, `plot`.

matplotlib is imported inside the functions so that `import helpers` stays fast.
"""

DEFAULT_FMTS = ("-", "m--", "g-.", "r:")


def use_svg_display() -> None:
    """Kept for code copied from the lecture notes; PNG renders the same in every frontend."""


def set_figsize(figsize=(3.5, 2.5)) -> None:
    """Set the default size of new matplotlib figures, in inches (width, height)."""
    import matplotlib.pyplot as plt

    plt.rcParams["figure.figsize"] = figsize


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend) -> None:
    """Apply labels, limits, scales and a legend to one matplotlib `Axes`."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    if xlim is not None:
        axes.set_xlim(xlim)
    if ylim is not None:
        axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid(True)


def _as_list(values) -> list:
    """Turn a tensor, array or list into a plain list on the CPU (matplotlib cannot read GPU tensors)."""
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return list(values)


def _is_single_series(X) -> bool:
    """True for one series ([1, 2, 3] or a 1-D tensor), False for a list of series."""
    if hasattr(X, "ndim"):
        return X.ndim == 1
    return isinstance(X, list) and (len(X) == 0 or not hasattr(X[0], "__len__"))


def plot(
    X,
    Y=None,
    xlabel=None,
    ylabel=None,
    legend=None,
    xlim=None,
    ylim=None,
    xscale="linear",
    yscale="linear",
    fmts=DEFAULT_FMTS,
    figsize=(3.5, 2.5),
    axes=None,
):
    """Plot one or more series. `plot(x, [f(x), g(x)], legend=["f", "g"])`, as in the notes.

    X and Y may each be one series or a list of series; with Y omitted, X is plotted against
    its indices. Tensors are moved to the CPU first. Returns the `Axes` drawn on.
    """
    import matplotlib.pyplot as plt

    if legend is None:
        legend = []
    if axes is None:
        axes = plt.figure(figsize=figsize).gca()
    if _is_single_series(X):
        X = [X]
    if Y is None:
        X, Y = [list(range(len(x))) for x in X], X
    elif _is_single_series(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    for x, y, fmt in zip(X, Y, fmts * len(Y)):
        axes.plot(_as_list(x), _as_list(y), fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    return axes
