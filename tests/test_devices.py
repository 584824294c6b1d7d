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
    assert helpers.num_gpus() == 0


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


def test_synchronize_is_harmless_without_a_gpu(no_accelerators):
    helpers.synchronize()
    helpers.synchronize("cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_real_cuda_device_is_picked():
    assert helpers.try_gpu().type == "cuda"
    x = torch.ones(3, device=helpers.try_gpu())
    assert x.cpu().sum().item() == 3
