"""count_host_syncs: counts every way of reading a tensor to the host, once each, and always
puts torch.Tensor back as it was."""
import numpy as np
import pytest
import torch
from torch import nn

from helpers.sync_count import READING_METHODS, count_host_syncs


@pytest.mark.parametrize("read, name", [
    (lambda t: t.item(), "item"),
    (lambda t: float(t), "__float__"),
    (lambda t: int(t), "__int__"),
    (lambda t: bool(t > 0), "__bool__"),
    (lambda t: t.tolist(), "tolist"),
    (lambda t: t.numpy(), "numpy"),
    (lambda t: t.cpu(), "cpu"),
    (lambda t: f"{t:.2f}", "__format__"),
    (lambda t: [0, 1, 2][t.long()], "__index__"),
])
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
        batches = [(torch.randn(8, 5, generator=g), torch.randint(0, 3, (8,), generator=g))
                   for _ in range(n_batches)]
        net = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))
        with count_host_syncs() as syncs:  # autograd and the optimizer read nothing
            _epoch(net, batches, read_every_batch)
        counts.append(syncs.count)
    assert counts == expected


def test_tensor_methods_are_restored_even_after_an_error():
    before = {name: getattr(torch.Tensor, name) for name in READING_METHODS}
    with pytest.raises(ZeroDivisionError), count_host_syncs():
        1 / 0
    assert {name: getattr(torch.Tensor, name) for name in READING_METHODS} == before
    assert float(torch.tensor(2.5)) == 2.5 and np.asarray(torch.ones(2).numpy()).sum() == 2
