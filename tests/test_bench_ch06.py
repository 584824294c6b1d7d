"""benchmarks/bench_ch06: the d2l-vs-helpers.train comparison runs end to end on tiny data (CPU)
and writes its table; on a GPU, the chapter's target (>= 10x, accuracy within 1 point)."""

import pytest
import torch

from benchmarks import bench_ch06


@pytest.fixture
def results_in_tmp(tmp_path, monkeypatch):
    from benchmarks import bench_train

    monkeypatch.setattr(bench_train, "RESULTS", tmp_path)
    return tmp_path


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:This DataLoader will create")  # d2l's 4 workers on 2 cores
def test_lenet_comparison_runs_and_writes_its_table(results_in_tmp):
    # d2l's loop needs >= 5 batches per epoch and its plot >= 2 epochs.
    speedup = bench_ch06.main(
        [
            "--part",
            "lenet",
            "--device",
            "cpu",
            "--epochs",
            "2",
            "--n-train",
            "1280",
            "--n-test",
            "256",
            "--rounds",
            "2",
        ]
    )
    text = (results_in_tmp / "ch06_lenet.md").read_text()
    assert "| d2l train_ch6" in text and "| helpers.train" in text
    assert " ± " in text and "n/a on a CPU" in text
    assert speedup > 0


@pytest.mark.gpu
@pytest.mark.slow
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_on_a_gpu_helpers_train_is_10x_the_d2l_loop(results_in_tmp):
    speedup = bench_ch06.main(["--part", "lenet", "--device", "cuda", "--rounds", "2"])
    text = (results_in_tmp / "ch06_lenet.md").read_text()
    assert speedup >= 10, text
    assert "meets" in text, text
