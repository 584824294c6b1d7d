"""benchmarks/bench_ch07: the lab benchmark runs, and its resume check finds identical weights."""

import pytest
import torch

from benchmarks import bench_ch07

TINY = ["--epochs", "2", "--n-train", "128", "--n-test", "64", "--batch-size", "64", "--no-write"]


@pytest.mark.slow
def test_cpu_lab_runs_and_a_resumed_run_is_identical(capsys):
    walls, accs, difference = bench_ch07.main(["--device", "cpu", *TINY])
    assert len(walls) == 1 and walls[0] > 0 and 0.0 <= accs[0] <= 1.0
    assert difference == 0.0  # on the CPU bit for bit
    out = capsys.readouterr().out
    assert "synthetic CIFAR-10-format images" in out and "| 0 |" in out


def test_crash_after_raises_only_in_the_chosen_epoch_and_batch():
    data = [(torch.zeros(1), torch.zeros(1))] * 3
    crashing = bench_ch07.CrashAfter(data, epoch=2, batch=1)
    assert len(list(crashing)) == 3  # epoch 1 runs through
    with pytest.raises(bench_ch07.Crash, match="epoch 2, batch 1"):
        list(crashing)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_lab_runs_with_bf16_and_channels_last():
    walls, accs, difference = bench_ch07.main(["--device", "cuda", "--runs", "1", *TINY])
    assert walls[0] > 0 and 0.0 <= accs[0] <= 1.0
    assert difference < 1e-2  # cuDNN may add in another order; the run itself is the same
