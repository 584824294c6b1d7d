"""The lecture notes' training loop as d2l ships it: the baseline for `helpers.train`.

Copied in behaviour from d2l's `d2l/torch.py` (v1.0.3): `load_data_fashion_mnist` (torchvision
FashionMNIST, `ToTensor` per image, a DataLoader with 4 worker processes started afresh every
epoch), `Accumulator` of Python floats fed by `float(l) * X.shape[0]` and `accuracy()` (two
host syncs per batch), a `Timer` that never synchronizes the GPU, `evaluate_accuracy_gpu`, and an
`Animator` that clears the axes and replots every line for each new point.

One deliberate difference: in a notebook d2l's Animator shows the figure with `display()` +
`clear_output()`, which renders it. In a script nothing would be rendered, flattering the
baseline, so outside a kernel this Animator renders each frame to PNG with matplotlib's Agg
backend (into memory) -- the same work a notebook does. `Animator.render_seconds` records it.
"""

import io
import time

import torch
from torch import nn


def get_dataloader_workers() -> int:
    return 4  # d2l's value, whatever the machine


def load_data_fashion_mnist(batch_size, resize=None, root="../data"):
    """d2l's loader, reading the files torchvision reads (download=False: the data is local)."""
    import torchvision
    from torch.utils import data
    from torchvision import transforms

    trans = [transforms.ToTensor()]
    if resize:
        trans.insert(0, transforms.Resize(resize))
    trans = transforms.Compose(trans)
    mnist_train = torchvision.datasets.FashionMNIST(
        root=root, train=True, transform=trans, download=False
    )
    mnist_test = torchvision.datasets.FashionMNIST(
        root=root, train=False, transform=trans, download=False
    )
    return (
        data.DataLoader(
            mnist_train, batch_size, shuffle=True, num_workers=get_dataloader_workers()
        ),
        data.DataLoader(
            mnist_test, batch_size, shuffle=False, num_workers=get_dataloader_workers()
        ),
    )


class Accumulator:
    """For accumulating sums over `n` variables (Python floats: every add is a host read)."""

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


class Timer:
    """Record multiple running times (no GPU synchronization, as in d2l)."""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        self.tik = time.time()

    def stop(self):
        self.times.append(time.time() - self.tik)
        return self.times[-1]

    def sum(self):
        return sum(self.times)


def accuracy(y_hat, y):
    """Compute the number of correct predictions (a host sync: float())."""
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy_gpu(net, data_iter, device=None):
    """Compute the accuracy for a model on a dataset using a GPU."""
    if isinstance(net, nn.Module):
        net.eval()
        if not device:
            device = next(iter(net.parameters())).device
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            X = X.to(device)
            y = y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


class Animator:
    """For plotting data in animation: clears and redraws everything for every point."""

    def __init__(
        self,
        xlabel=None,
        ylabel=None,
        legend=None,
        xlim=None,
        ylim=None,
        xscale="linear",
        yscale="linear",
        fmts=("-", "m--", "g-.", "r:"),
        nrows=1,
        ncols=1,
        figsize=(3.5, 2.5),
    ):
        import matplotlib.pyplot as plt

        from helpers.plotting import set_axes
        from helpers.runtime import in_notebook

        self.in_notebook = in_notebook()
        if self.in_notebook:  # d2l.use_svg_display()
            from matplotlib_inline import backend_inline

            backend_inline.set_matplotlib_formats("svg")
        legend = legend or []
        self.fig, self.axes = plt.subplots(nrows, ncols, figsize=figsize)
        if nrows * ncols == 1:
            self.axes = [
                self.axes,
            ]
        self.config_axes = lambda: set_axes(
            self.axes[0], xlabel, ylabel, xlim, ylim, xscale, yscale, legend
        )
        self.X, self.Y, self.fmts = None, None, fmts
        self.render_seconds = 0.0

    def add(self, x, y):
        tic = time.perf_counter()
        if not hasattr(y, "__len__"):
            y = [y]
        n = len(y)
        if not hasattr(x, "__len__"):
            x = [x] * n
        if not self.X:
            self.X = [[] for _ in range(n)]
        if not self.Y:
            self.Y = [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(a)
                self.Y[i].append(b)
        self.axes[0].cla()
        for x, y, fmt in zip(self.X, self.Y, self.fmts):
            self.axes[0].plot(x, y, fmt)
        self.config_axes()
        if self.in_notebook:
            from IPython import display

            display.display(self.fig)
            display.clear_output(wait=True)
        else:
            self.fig.savefig(io.BytesIO(), format="png")
        self.render_seconds += time.perf_counter() - tic

    def close(self):
        import matplotlib.pyplot as plt

        plt.close(self.fig)


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device):
    """Train a model with a GPU (d2l's code; returns its final numbers for the benchmark)."""

    def init_weights(m):
        if type(m) == nn.Linear or type(m) == nn.Conv2d:
            nn.init.xavier_uniform_(m.weight)

    net.apply(init_weights)
    print("training on", device)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    animator = Animator(
        xlabel="epoch", xlim=[1, num_epochs], legend=["train loss", "train acc", "test acc"]
    )
    timer, num_batches = Timer(), len(train_iter)
    for epoch in range(num_epochs):
        metric = Accumulator(3)
        net.train()
        for i, (X, y) in enumerate(train_iter):
            timer.start()
            optimizer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
            timer.stop()
            train_l = metric[0] / metric[2]
            train_acc = metric[1] / metric[2]
            if (i + 1) % (num_batches // 5) == 0 or i == num_batches - 1:
                animator.add(epoch + (i + 1) / num_batches, (train_l, train_acc, None))
        test_acc = evaluate_accuracy_gpu(net, test_iter)
        animator.add(epoch + 1, (None, None, test_acc))
    animator.close()
    print(f"loss {train_l:.3f}, train acc {train_acc:.3f}, test acc {test_acc:.3f}")
    reported = metric[2] * num_epochs / timer.sum()
    print(f"{reported:.1f} examples/sec on {device!s}")
    return {
        "train_loss": train_l,
        "train_acc": train_acc,
        "test_acc": test_acc,
        "reported_examples_per_sec": reported,
        "render_seconds": animator.render_seconds,
    }
