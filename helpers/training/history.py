"""`History`: what `train()` returns, one entry per epoch (also restored by `resume=True`)."""

from dataclasses import asdict, dataclass, field


@dataclass(repr=False)
class History:
    """What `train` returns: one entry per epoch (also restored by `resume=True`).

    Its repr is one line (the last epoch), so `train(...)` as a cell's last line does not print
    every list; `history.as_dict()` or the fields themselves give all of it.
    """

    epoch: list = field(default_factory=list)  # 1, 2, ...
    train_loss: list = field(default_factory=list)  # mean over the epoch's examples
    train_acc: list = field(default_factory=list)  # accuracy while training, fraction
    test_acc: list = field(default_factory=list)  # on test_iter after the epoch (a val split too)
    lr: list = field(default_factory=list)  # learning rate used in the epoch
    seconds: list = field(default_factory=list)  # wall clock: data, eval, plot, all
    compute_seconds: list = field(default_factory=list)  # forward + backward + step only
    examples: list = field(default_factory=list)  # training examples in the epoch

    def append(self, **row) -> None:
        for name, value in row.items():
            getattr(self, name).append(value)

    def as_dict(self) -> dict:
        return asdict(self)

    def __repr__(self) -> str:
        if not self.epoch:
            return "History(no epochs yet)"
        last = {
            name: getattr(self, name)[-1]
            for name in ("train_loss", "train_acc", "test_acc")
            if getattr(self, name)
        }
        shown = ", ".join(f"{name} {value:.3f}" for name, value in last.items())
        epochs = f"{len(self.epoch)} epoch{'s' if len(self.epoch) != 1 else ''}"
        seconds = f", {sum(self.seconds):.1f} s" if self.seconds else ""
        return f"History({epochs}{seconds}; last epoch: {shown})"
