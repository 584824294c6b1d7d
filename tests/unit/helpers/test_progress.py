"""helpers.progress: the training line's counts, and its estimate of the time left."""

import pytest

from helpers import progress as progress_module
from helpers.progress import TrainingProgress, clock


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def fake_time(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(progress_module.time, "perf_counter", fake)
    return fake


def test_clock_reads_minutes_and_hours():
    assert [clock(s) for s in (0, 7.4, 190, 3725)] == ["0:00", "0:07", "3:10", "1:02:05"]


def test_the_estimate_is_rate_times_work_left_after_the_first_batches(fake_time):
    shown = []
    p = TrainingProgress(num_epochs=2, first_epoch=0, num_batches=10, show=shown.append)
    fake_time.now += 5.0  # the first batch: warm-up (cuDNN autotuning, compile), left out
    p.batch(0, 1)
    assert shown == ["epoch 1/2 · batch 1/10 · 0:05 elapsed · estimating time left..."]
    for i in range(2, 11):  # then 1 s per batch
        fake_time.now += 1.0
        p.batch(0, i)
    p.evaluating()
    fake_time.now += 3.0  # evaluation takes 3 s
    p.epoch_done()
    fake_time.now += 1.0
    p.batch(1, 1)
    # 10 batches left at 1 s each, plus one more 3-s evaluation
    assert p.remaining(fake_time.now) == pytest.approx(9 * 1.0 + 3.0)
    assert shown[-1] == "epoch 2/2 · batch 1/10 · 0:18 elapsed · about 0:12 left"
    p.finish()
    assert shown[-1] == "epoch 2/2 · done: 2 epochs in 0:18"


def test_lines_are_paced_and_a_resumed_run_counts_only_its_own_epochs(fake_time):
    shown = []
    p = TrainingProgress(num_epochs=5, first_epoch=3, num_batches=100, show=shown.append)
    for i in range(1, 101):
        fake_time.now += 0.05
        p.batch(3, i)
    assert len(shown) == 5, "one line a second (5 s of batches), not one per batch"
    # 2 epochs to run: 200 batches, 100 done, ~0.05 s each
    assert p.remaining(fake_time.now) == pytest.approx(100 * 0.05)
    assert shown[-1].startswith("epoch 4/5 · batch ")


def test_a_loader_without_length_learns_the_count_in_its_first_epoch(fake_time):
    shown = []
    p = TrainingProgress(num_epochs=2, first_epoch=0, num_batches=None, show=shown.append)
    for i in range(1, 21):
        fake_time.now += 0.5
        p.batch(0, i)
    assert "batch 20 ·" in p.line() and p.remaining(fake_time.now) is None
    p.evaluating()
    p.epoch_done()
    p.batch(1, 1)
    assert "batch 1/20" in p.line() and p.remaining(fake_time.now) is not None
