"""Device selection with CUDA and MPS present or absent (simulated: this machine has neither)."""

import pytest
import torch

import helpers
from helpers import devices


@pytest.fixture
def no_accelerators(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(devices, "_mps_available", lambda: False)


def test_cpu_when_there_is_no_accelerator(no_accelerators):
    assert helpers.try_gpu() == torch.device("cpu")
    assert helpers.try_gpu(3) == torch.device("cpu")
    assert helpers.try_all_gpus() == [torch.device("cpu")]


def test_num_gpus_counts_what_cuda_sees(monkeypatch):
    """num_gpus follows torch's count (stubbed to 3), and on this machine equals the real one."""
    assert helpers.num_gpus() == torch.cuda.device_count()
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 3)
    assert helpers.num_gpus() == 3
    assert len(helpers.try_all_gpus()) == 3


def test_cuda_first_then_fallback(monkeypatch, no_accelerators):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(devices, "_mps_available", lambda: True)
    assert helpers.try_gpu() == torch.device("cuda:0")
    assert helpers.try_gpu(1) == torch.device("cuda:1")
    assert helpers.try_gpu(2) == torch.device("cpu")
    assert helpers.try_all_gpus() == [torch.device("cuda:0"), torch.device("cuda:1")]


def test_mps_when_no_cuda(monkeypatch, no_accelerators):
    monkeypatch.setattr(devices, "_mps_available", lambda: True)
    assert helpers.try_gpu() == torch.device("mps")
    assert helpers.try_gpu(1) == torch.device("cpu")
    assert helpers.try_all_gpus() == [torch.device("mps")]


@pytest.fixture
def device_syncs(monkeypatch):
    """Record the device syncs `synchronize` asks torch for, CUDA and MPS both 'present'."""
    calls = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *args: calls.append("cuda"))
    monkeypatch.setattr(devices, "_mps_available", lambda: True)
    monkeypatch.setattr(torch.mps, "synchronize", lambda: calls.append("mps"))
    return calls


@pytest.mark.parametrize(
    "device, expected",
    [
        (None, ["cuda", "mps"]),  # no device named: wait for every GPU in use
        ("cuda", ["cuda"]),
        ("cuda:1", ["cuda"]),
        (torch.device("cuda:0"), ["cuda"]),
        ("mps", ["mps"]),
        ("cpu", []),  # the CPU computes synchronously: nothing to wait for
    ],
)
def test_synchronize_waits_for_the_named_device_only(device_syncs, device, expected):
    helpers.synchronize(device)
    assert device_syncs == expected


def test_synchronize_never_starts_cuda(device_syncs, monkeypatch):
    """CUDA present but never used in this process: no sync (it would initialise the driver)."""
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    monkeypatch.setattr(devices, "_mps_available", lambda: False)
    helpers.synchronize()
    helpers.synchronize("cuda")
    assert device_syncs == []


def test_synchronize_without_a_gpu_really_returns(no_accelerators):
    """The real torch calls on a machine without CUDA or MPS: returning at all is the check
    (torch.cuda.synchronize would raise here), so this test fails if the guard is removed."""
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    helpers.synchronize()
    helpers.synchronize("cpu")
    helpers.synchronize("cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_real_cuda_device_is_picked():
    assert helpers.try_gpu().type == "cuda"
    x = torch.ones(3, device=helpers.try_gpu())
    assert x.cpu().sum().item() == 3


# -- param_device: the one answer to "where is this net?" --------------------------------------
def test_param_device_is_the_first_parameters_device():
    assert devices.param_device(torch.nn.Linear(2, 3)) == torch.device("cpu")
    assert devices.param_device(torch.nn.ReLU()) is None  # no parameters: no device


def test_param_device_counts_lazy_parameters_where_they_were_made():
    """A lazy layer's parameter has a device before its first forward pass: where it was made,
    and where `.to()` moved it. Both training and model_stats use that answer."""
    with torch.device("meta"):
        lazy = torch.nn.Sequential(torch.nn.LazyLinear(4), torch.nn.Linear(4, 2, device="cpu"))
    assert devices.param_device(lazy) == torch.device("meta")
    moved = torch.nn.Sequential(torch.nn.LazyLinear(4)).to("meta")
    assert devices.param_device(moved) == torch.device("meta")
