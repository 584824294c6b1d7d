"""Count the places where code reads a tensor's value back to the host: `count_host_syncs()`.

On a GPU, `loss.item()`, `float(loss)`, `if (y_hat == y).all():`, `acc.tolist()` or `x.cpu()`
make the CPU wait until every queued kernel has run, so a training loop that does one of them
per batch runs at the speed of its slowest round trip. On a CPU those calls cost nothing, which
is why such a loop *looks* fine on a laptop and on a CPU grading machine. Counting the calls
makes the mistake visible anywhere:

    with count_host_syncs() as syncs:
        train_epoch(net, batches, loss_fn, optimizer)
    syncs.count     # a per-batch .item() makes this grow with the number of batches

While the `with` block runs, the reading methods of `torch.Tensor` are wrapped (and restored
afterwards, also on an error); nested reads (`float(t)` calling `t.item()`) count once.
"""

import contextlib
import threading

import torch

# Methods that copy a tensor's values to the host (and so wait for a GPU to finish).
READING_METHODS = (
    "item",
    "tolist",
    "numpy",
    "cpu",
    "__float__",
    "__int__",
    "__bool__",
    "__index__",
    "__format__",
)


class SyncCount:
    """What `count_host_syncs` yields: `.count` reads so far, `.calls` their method names."""

    def __init__(self):
        self.calls: list[str] = []
        self._depth = threading.local()

    @property
    def count(self) -> int:
        return len(self.calls)

    def __repr__(self) -> str:
        return f"SyncCount({self.count} reads: {', '.join(self.calls[:6])}...)"


@contextlib.contextmanager
def count_host_syncs():
    """Within the block, count every call of `READING_METHODS` on any tensor."""
    counter = SyncCount()
    originals = {name: getattr(torch.Tensor, name) for name in READING_METHODS}

    def wrap(name, original):
        def counted(self, *args, **kwargs):
            depth = getattr(counter._depth, "value", 0)
            if depth == 0:  # float(t) calls t.item(): one read, not two
                counter.calls.append(name)
            counter._depth.value = depth + 1
            try:
                return original(self, *args, **kwargs)
            finally:
                counter._depth.value = depth

        counted.__name__ = name
        return counted

    try:
        for name, original in originals.items():
            setattr(torch.Tensor, name, wrap(name, original))
        yield counter
    finally:
        for name, original in originals.items():
            setattr(torch.Tensor, name, original)
