"""`Timer` (honest about GPU asynchrony) and `Accumulator` (running sums that may live on a GPU)."""

import time

from .devices import synchronize


class Timer:
    """Record several running times: `start()`, `stop()`, then `avg()`, `sum()`, `cumsum()`.

    Every clock read first synchronizes CUDA/MPS, so queued kernels are counted where they run.
    """

    def __init__(self):
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        synchronize()
        self._tik = time.perf_counter()

    def stop(self) -> float:
        """Stop the timer, record the interval and return it in seconds."""
        synchronize()
        self.times.append(time.perf_counter() - self._tik)
        return self.times[-1]

    def avg(self) -> float:
        return sum(self.times) / len(self.times) if self.times else 0.0

    def sum(self) -> float:
        return sum(self.times)

    def cumsum(self) -> list[float]:
        total, out = 0.0, []
        for t in self.times:
            total += t
            out.append(total)
        return out


class Accumulator:
    """Sum `n` running quantities, e.g. (loss sum, correct count, example count).

    Values may be tensors on a GPU: adding them queues device work and never copies to the
    host. The host copy happens only when a value is read (`acc[i]`), i.e. at plot time.
    """

    def __init__(self, n: int):
        self.data = [0.0] * n

    def add(self, *args) -> None:
        if len(args) != len(self.data):
            raise ValueError(f"Accumulator holds {len(self.data)} values, add() got {len(args)}")
        self.data = [a + b for a, b in zip(self.data, args)]

    def reset(self) -> None:
        self.data = [0.0] * len(self.data)

    def __getitem__(self, i: int) -> float:
        return float(self.data[i])

    def __len__(self) -> int:
        return len(self.data)
