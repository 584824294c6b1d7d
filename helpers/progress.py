"""How far a training run is and how long it has left, as one line under the live plot.

    epoch 2/10 · batch 120/469 · 0:42 elapsed · about 3:10 left

`TrainingProgress` is told of every batch (`batch()`, a counter and a clock read: well under a
microsecond, so it costs training nothing measurable) and of every finished epoch, and hands a
new line to `show` (the Animator's `set_status`, which puts it in the plot's own display) at
most every `interval` seconds. The estimate starts after the first batches: the first one
pays one-time costs (cuDNN's autotuning, torch.compile, first allocations) and is left out.
Remaining time = seconds per batch so far x batches left + seconds per evaluation so far x
evaluations left; until an epoch has been evaluated, only the batches are counted.
"""

import time

WARM_UP_BATCHES = 3  # batches (after the first) before an estimate is shown
WARM_UP_SECONDS = 1.0  # ...and seconds of them: a rate from a few ms of work is noise


def clock(seconds: float) -> str:
    """0:07, 3:10, 1:02:05 -- minutes and seconds, hours when needed."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TrainingProgress:
    """Progress of `train`: epochs `first_epoch..num_epochs-1`, `num_batches` per epoch (None
    if the loader has no length: the count is learnt in the first epoch)."""

    def __init__(self, num_epochs, first_epoch, num_batches, show, interval: float = 1.0):
        self.num_epochs, self.first_epoch = num_epochs, first_epoch
        self.num_batches, self.show, self.interval = num_batches, show, interval
        self.start = time.perf_counter()
        self._next_show = self.start  # the first batch shows a line at once
        self.epoch, self.batches_in_epoch = first_epoch, 0
        self.batches_done = 0  # over the whole run
        self._first_batch_end = None
        self._eval_seconds, self._evals = 0.0, 0
        self._eval_start = None

    # -- told by the training loop -------------------------------------------------------
    def batch(self, epoch: int, index: int) -> None:
        """Batch `index` (from 1) of `epoch` (from 0) is done (queued, on a GPU)."""
        self.epoch, self.batches_in_epoch = epoch, index
        self.batches_done += 1
        now = time.perf_counter()
        if self._first_batch_end is None:
            self._first_batch_end = now
        if now >= self._next_show:
            self._next_show = now + self.interval
            self.show(self.line(now))

    def evaluating(self) -> None:
        """The epoch's batches are done; evaluation starts."""
        if self.num_batches is None:
            self.num_batches = self.batches_in_epoch
        self._eval_start = time.perf_counter()

    def epoch_done(self) -> None:
        """Evaluation (and the checkpoint) of the epoch is done."""
        if self._eval_start is not None:
            self._eval_seconds += time.perf_counter() - self._eval_start
            self._evals += 1
            self._eval_start = None

    def finish(self) -> None:
        """The run ended: say how long it took."""
        epochs = self.epoch + 1 - self.first_epoch
        total = time.perf_counter() - self.start
        self.show(
            f"epoch {self.epoch + 1}/{self.num_epochs} · done: {epochs} epoch"
            f"{'' if epochs == 1 else 's'} in {clock(total)}"
        )

    # -- the line ------------------------------------------------------------------------
    def remaining(self, now: float) -> float | None:
        """Seconds left, or None while there is too little to go on."""
        measured = self.batches_done - 1  # the first batch is left out
        if self._first_batch_end is None or measured < WARM_UP_BATCHES or not self.num_batches:
            return None
        batch_seconds = now - self._first_batch_end - self._eval_seconds
        if batch_seconds < WARM_UP_SECONDS:
            return None
        total = (self.num_epochs - self.first_epoch) * self.num_batches
        batches_left = max(0, total - self.batches_done)
        evals_left = self.num_epochs - self.epoch  # this epoch's evaluation is still to come
        per_eval = self._eval_seconds / self._evals if self._evals else 0.0
        return batch_seconds / measured * batches_left + per_eval * evals_left

    def line(self, now: float | None = None) -> str:
        now = time.perf_counter() if now is None else now
        of = f"/{self.num_batches}" if self.num_batches else ""
        parts = [
            f"epoch {self.epoch + 1}/{self.num_epochs}",
            f"batch {self.batches_in_epoch}{of}",
            f"{clock(now - self.start)} elapsed",
        ]
        left = self.remaining(now)
        parts.append("estimating time left..." if left is None else f"about {clock(left)} left")
        return " · ".join(parts)
