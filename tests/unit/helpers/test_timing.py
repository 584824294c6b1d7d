"""Timer arithmetic and GPU synchronisation; Accumulator keeps device values until read."""

import pytest
import torch

import helpers
from helpers import timing


def test_timer_records_intervals(monkeypatch):
    clock = iter([10.0, 10.5, 20.0, 21.5])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    t = helpers.Timer()  # start at 10.0
    assert t.stop() == pytest.approx(0.5)
    t.start()  # 20.0
    assert t.stop() == pytest.approx(1.5)
    assert t.sum() == pytest.approx(2.0)
    assert t.avg() == pytest.approx(1.0)
    assert t.cumsum() == pytest.approx([0.5, 2.0])


def test_timer_synchronizes_before_every_clock_read(monkeypatch):
    calls = []
    monkeypatch.setattr(timing, "synchronize", lambda: calls.append("sync"))
    t = helpers.Timer()
    t.stop()
    assert calls == ["sync", "sync"]


def test_empty_timer_average_is_zero():
    t = helpers.Timer()
    assert t.avg() == 0.0 and t.cumsum() == []


def test_accumulator_sums_and_resets():
    acc = helpers.Accumulator(2)
    acc.add(1, 2.5)
    acc.add(3, 0.5)
    assert (acc[0], acc[1]) == (4.0, 3.0)
    acc.reset()
    assert acc[0] == 0.0 and len(acc) == 2


def test_accumulator_keeps_tensors_on_their_device_until_read(monkeypatch):
    """add() never copies a tensor to the host (on a GPU that would wait for it); acc[i] does."""
    reads = []
    for name in ("item", "__float__", "tolist", "cpu", "numpy"):
        real = getattr(torch.Tensor, name)
        monkeypatch.setattr(
            torch.Tensor,
            name,
            lambda self, *a, _real=real, _name=name, **k: (
                reads.append(_name) or _real(self, *a, **k)
            ),
        )
    acc = helpers.Accumulator(1)
    acc.add(torch.tensor(2.0))
    acc.add(torch.tensor(3.0))
    assert reads == [], f"add() read a tensor on the host: {reads}"
    value = acc[0]
    assert value == 5.0 and isinstance(value, float)
    assert reads == ["__float__"]  # the one host copy, when the value is read


def test_accumulator_wrong_arity_says_so():
    with pytest.raises(ValueError, match="holds 2 values, add\\(\\) got 1"):
        helpers.Accumulator(2).add(1)
