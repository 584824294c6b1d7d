"""count_host_syncs: counts every way of reading a tensor to the host, once each, and always
puts torch.Tensor back as it was."""

import numpy as np
import pytest
import torch
from torch import nn

from helpers.chapters.sync_count import READING_METHODS, count_host_syncs


@pytest.mark.parametrize(
    "read, name",
    [
        (lambda t: t.item(), "item"),
        (lambda t: float(t), "__float__"),
        (lambda t: int(t), "__int__"),
        (lambda t: bool(t > 0), "__bool__"),
        (lambda t: t.tolist(), "tolist"),
        (lambda t: t.numpy(), "numpy"),
        (lambda t: t.cpu(), "cpu"),
        (lambda t: f"{t:.2f}", "__format__"),
        (lambda t: [0, 1, 2][t.long()], "__index__"),
    ],
)
def test_each_way_of_reading_counts_once(read, name):
    t = torch.tensor(1.0)
    with count_host_syncs() as syncs:
        read(t)
    assert syncs.calls == [name]


def test_device_side_arithmetic_is_not_counted():
    with count_host_syncs() as syncs:
        total = torch.zeros(())
        for _ in range(5):
            total += torch.randn(4).sum() * 3
        n = torch.randn(7, 3).shape[0]  # a shape is metadata: no read
    assert syncs.count == 0 and n == 7


def _epoch(net, batches, read_every_batch):
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    total = torch.zeros(())
    for X, y in batches:
        loss = loss_fn(net(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if read_every_batch:
            loss.item()
        total += loss.detach()
    return float(total)


@pytest.mark.parametrize("read_every_batch, expected", [(False, [1, 1]), (True, [3, 7])])
def test_a_training_loop_counts_its_own_reads_only(read_every_batch, expected):
    g = torch.Generator().manual_seed(0)
    counts = []
    for n_batches in (2, 6):
        batches = [
            (torch.randn(8, 5, generator=g), torch.randint(0, 3, (8,), generator=g))
            for _ in range(n_batches)
        ]
        net = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))
        with count_host_syncs() as syncs:  # autograd and the optimizer read nothing
            _epoch(net, batches, read_every_batch)
        counts.append(syncs.count)
    assert counts == expected


def test_tensor_methods_are_restored_even_after_an_error():
    before = {name: getattr(torch.Tensor, name) for name in READING_METHODS}
    with pytest.raises(ZeroDivisionError), count_host_syncs():
        raise ZeroDivisionError("inside the block")
    assert {name: getattr(torch.Tensor, name) for name in READING_METHODS} == before
    assert float(torch.tensor(2.5)) == 2.5 and np.asarray(torch.ones(2).numpy()).sum() == 2


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_on_a_gpu_the_count_grows_exactly_where_cuda_syncs():
    """CUDA's own sync detector agrees: a per-batch read adds one sync per batch, as counted."""
    import warnings

    growth = {}
    for read_every_batch in (False, True):
        counted, cuda_syncs = [], []
        for n_batches in (3, 9):
            g = torch.Generator().manual_seed(0)
            batches = [
                (
                    torch.randn(8, 5, generator=g).cuda(),
                    torch.randint(0, 3, (8,), generator=g).cuda(),
                )
                for _ in range(n_batches)
            ]
            net = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3)).cuda()
            _epoch(net, batches[:1], False)  # warm-up: allocator and kernels
            torch.cuda.synchronize()
            with warnings.catch_warnings(record=True) as caught, count_host_syncs() as syncs:
                warnings.simplefilter("always")
                torch.cuda.set_sync_debug_mode("warn")
                try:
                    _epoch(net, batches, read_every_batch)
                finally:
                    torch.cuda.set_sync_debug_mode("default")
            counted.append(syncs.count)
            cuda_syncs.append(sum("synchroniz" in str(w.message) for w in caught))
        growth[read_every_batch] = (counted[1] - counted[0], cuda_syncs[1] - cuda_syncs[0])
    assert growth[False] == (0, 0)
    assert growth[True][0] == 6 and growth[True][1] >= 6
