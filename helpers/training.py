"""The book's one training loop: `train` (alias `train_ch6`) and `evaluate_accuracy`.

`train(net, train_iter, test_iter, num_epochs, lr, device)` is the lecture notes' `train_ch6`
(Xavier init, SGD, cross-entropy, a live plot of train loss, train accuracy and test accuracy)
with the options later chapters need: other optimizers, an LR schedule, weight decay, momentum,
mixed precision, channels-last, torch.compile, and checkpoints that resume where they stopped.

Why it is fast: the loop never waits for the GPU. Loss sums and correct counts stay on the
device (an `Accumulator` of device tensors) and are copied to the host only when the plot
needs a point (five times per epoch) and at the end of each epoch. The d2l loop instead calls
`float(loss)` after every batch, which stalls the CPU until the GPU has caught up. Batches
already on the device (`helpers.loaders`) are used as they are, and the plot redraws at most a
few times a second (`helpers.animator`). benchmarks/bench_train.py measures the difference.

Two speeds are reported, and labelled: *wall clock* examples/sec (everything: data, evaluation,
plotting) and *compute* examples/sec (forward, backward and optimizer step only, timed with
CUDA events on a GPU so that no sync is needed per batch).

Any iterable of `(X, y)` batches works: a DataLoader, `helpers.loaders`' on-device loaders,
or a plain list of tensors.
"""

import contextlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from . import checkpoint as ckpt
from . import training_setup as setup
from .animator import Animator
from .timing import Accumulator

PLOTS_PER_EPOCH = 5  # in-epoch points on the plot, as in the notes (each costs one host sync)


@dataclass(repr=False)
class History:
    """What `train` returns: one entry per epoch (also restored by `resume=True`).

    Its repr is one line (the last epoch), so `train(...)` as a cell's last line does not print
    every list; `history.as_dict()` or the fields themselves give all of it.
    """

    epoch: list = field(default_factory=list)  # 1, 2, ...
    train_loss: list = field(default_factory=list)  # mean over the epoch's examples
    train_acc: list = field(default_factory=list)  # accuracy while training, fraction
    test_acc: list = field(default_factory=list)  # after the epoch, fraction
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


# -- public API --------------------------------------------------------------------------------
def evaluate_accuracy(net, data_iter, device=None) -> float:
    """Fraction of examples in `data_iter` that `net` classifies correctly.

    Runs in eval mode (dropout off, batch norm uses running statistics) without building a
    graph, then puts every submodule back into the mode it was in. `device` defaults to the
    device of the net's parameters; batches are moved there.
    """
    if device is None:
        device = setup.param_device(net) or torch.device("cpu")
    device = setup.resolve_device(device)
    wrong = setup.param_device(net)
    if wrong is not None and wrong != device:
        raise ValueError(
            f"The net's parameters are on {wrong} but device={device}. Call "
            f"net.to({str(device)!r}) first, or leave device=None."
        )
    correct, count = _count_correct(net, data_iter, device, contextlib.nullcontext, False)
    return float(correct) / count


def train(
    net,
    train_iter,
    test_iter,
    num_epochs,
    lr,
    device=None,
    *,
    optimizer="sgd",
    momentum=0.0,
    weight_decay=0.0,
    scheduler=None,
    loss=None,
    init=True,
    amp=None,
    channels_last=False,
    compile=False,
    checkpoint=None,
    resume=False,
    plot=True,
) -> History:
    """Train a classifier with cross-entropy; plot and print progress; return the History.

    net, train_iter, test_iter, num_epochs, lr, device: as in the notes' `train_ch6`
        (device defaults to `try_gpu()`; batches are moved there).
    optimizer: "sgd" (default), "adam", "adamw", an `Optimizer` class or any callable
        `f(params, lr=..., [momentum=..., weight_decay=...])`, or a ready `Optimizer`
        instance over `net`'s parameters (then used as it is: lr, momentum, weight_decay unused).
    momentum, weight_decay: passed to the optimizer when non-zero (decay applies to all params).
    scheduler: stepped once per epoch. `{5: 0.01}` means "lr 0.01 from epoch 6 on" (epochs
        counted from 0); or a callable `f(optimizer) -> torch.optim.lr_scheduler.LRScheduler`.
    loss: default `nn.CrossEntropyLoss()`; any reduction ("mean", "sum", "none") is reported
        as the mean per example. Accuracy compares `argmax` of the output with y.
    init: Xavier-uniform init of every Linear/Conv2d weight, as the notes do. False keeps them.
    amp: None, "bf16" or "fp16" autocast (fp16 with a GradScaler; CUDA only).
    channels_last: store conv weights and 4-D inputs as NHWC (faster convs on tensor cores).
    compile: run `torch.compile(net)` (the first epoch then includes compilation).
    checkpoint: path written after every epoch. resume=True continues from it if it exists.
    plot: True draws a live plot (nothing under the autograder), False none, or an Animator.
    """
    setup.check_arguments(
        net, train_iter, test_iter, num_epochs, lr, momentum, weight_decay, amp, checkpoint, resume
    )
    run = _prepare(
        net,
        train_iter,
        device,
        optimizer,
        lr,
        momentum,
        weight_decay,
        scheduler,
        loss,
        init,
        amp,
        channels_last,
        compile,
    )
    history, start = _resume(run, checkpoint) if resume else (History(), 0)
    animator = _animator_for(plot, num_epochs, history)
    print(f"training on {run.device}")
    num_batches = len(train_iter) if hasattr(train_iter, "__len__") else None
    try:
        with setup.cudnn_benchmark(run.device):
            for epoch in range(start, num_epochs):
                num_batches = _one_epoch(
                    run, train_iter, test_iter, epoch, num_batches, history, animator, checkpoint
                )
    finally:
        animator.flush()
    _print_summary(history, start, run.device)
    return history


train_ch6 = train  # the name the lecture notes use


# -- setting up ------------------------------------------------------------------------------
@dataclass
class _Run:
    """Everything one `train` call builds before its first epoch."""

    net: nn.Module  # the student's module (saved in checkpoints)
    model: nn.Module  # what runs the batches: `net`, or `torch.compile(net)`
    opt: torch.optim.Optimizer
    sched: object  # an LRScheduler or None
    scaler: object  # a GradScaler for fp16, else None
    autocast: object  # a function returning the autocast context (or a null one)
    channels_last: bool
    device: torch.device
    step: "_Step"


def _prepare(
    net,
    train_iter,
    device,
    optimizer,
    lr,
    momentum,
    weight_decay,
    scheduler,
    loss,
    init,
    amp,
    channels_last,
    compile,
) -> _Run:
    """Device, initialisation, optimizer, schedule, scaler and the per-batch step."""
    device = setup.resolve_device(device)
    if amp == "fp16" and device.type != "cuda":
        raise ValueError(f"amp='fp16' needs a CUDA GPU, not {device}; use amp='bf16' or None.")
    if init:
        setup.xavier_init(net, train_iter, device)
    net.to(device)
    if channels_last:
        net.to(memory_format=torch.channels_last)
    opt = setup.make_optimizer(optimizer, net, lr, momentum, weight_decay, device)
    sched = setup.make_scheduler(scheduler, opt)
    scaler = torch.amp.GradScaler(device.type) if amp == "fp16" else None
    model = torch.compile(net) if compile else net
    autocast = (
        (lambda: torch.autocast(device.type, dtype=setup.AMP_DTYPES[amp]))
        if amp
        else contextlib.nullcontext
    )
    step = _Step(
        model,
        loss if loss is not None else nn.CrossEntropyLoss(),
        opt,
        scaler,
        autocast,
        channels_last,
        device,
        check_labels=loss is None,
    )
    return _Run(net, model, opt, sched, scaler, autocast, channels_last, device, step)


def _resume(run: _Run, checkpoint) -> tuple[History, int]:
    """(history so far, epochs done) from `checkpoint` if it exists, else a fresh start."""
    if not Path(checkpoint).exists():
        return History(), 0
    state = ckpt.load(
        checkpoint, net=run.net, optimizer=run.opt, scheduler=run.sched, scaler=run.scaler
    )
    print(f"resuming from {checkpoint} after epoch {state['epoch']}")
    return History(**state["history"]), state["epoch"]


def _animator_for(plot, num_epochs, history: History) -> Animator:
    """The Animator `plot=` asks for, already showing the epochs a resumed run has."""
    # x runs from 0, not 1 as in d2l: the first epoch's running loss (at x = 0.2, 0.4, ...) is
    # then in view while it trains, and a 1-epoch run gets axes, not a degenerate [1, 1].
    animator = (
        plot
        if isinstance(plot, Animator)
        else Animator(
            xlabel="epoch",
            xlim=[0, num_epochs],
            legend=["train loss", "train acc", "test acc"],
            mode=None if plot else "off",
        )
    )
    for e, row in enumerate(zip(history.train_loss, history.train_acc, history.test_acc)):
        animator.add(e + 1, row)
    return animator


# -- one epoch ---------------------------------------------------------------------------------
def _one_epoch(
    run: _Run, train_iter, test_iter, epoch, num_batches, history: History, animator, checkpoint
):
    """Train, evaluate, record, step the schedule, plot and save; return the batch count."""
    tic = time.perf_counter()
    metric, compute, num_batches = _train_epoch(run.step, train_iter, epoch, num_batches, animator)
    correct, count = _count_correct(
        run.model, test_iter, run.device, run.autocast, run.channels_last
    )
    train_loss, train_acc = metric[0] / metric[2], metric[1] / metric[2]
    test_acc = float(correct) / count
    history.append(
        epoch=epoch + 1,
        train_loss=train_loss,
        train_acc=train_acc,
        test_acc=test_acc,
        lr=float(run.opt.param_groups[0]["lr"]),
        seconds=time.perf_counter() - tic,
        compute_seconds=compute,
        examples=int(metric[2]),
    )
    if run.sched is not None:
        run.sched.step()
    animator.add(epoch + 1, (train_loss, train_acc, test_acc))
    if checkpoint is not None:
        ckpt.save(
            checkpoint,
            net=run.net,
            optimizer=run.opt,
            scheduler=run.sched,
            scaler=run.scaler,
            epoch=epoch + 1,
            history=history.as_dict(),
        )
    history.seconds[-1] = time.perf_counter() - tic  # plot and checkpoint included
    return num_batches


class _Step:
    """Forward, backward and optimizer step for one batch, plus first-batch sanity checks."""

    def __init__(self, model, loss_fn, opt, scaler, autocast, channels_last, device, check_labels):
        self.model, self.loss_fn, self.opt, self.scaler = model, loss_fn, opt, scaler
        self.autocast, self.channels_last, self.device = autocast, channels_last, device
        self.check_labels = check_labels
        self.checked = False

    def __call__(self, X, y, metric: Accumulator) -> None:
        with self.autocast():
            y_hat = self.model(X)
            if not self.checked:
                setup.check_outputs(y_hat, y, self.check_labels)
                self.checked = True
            l = self.loss_fn(y_hat, y)
        if l.ndim:  # a loss with reduction="none": one value per example
            l_sum, l = l.detach().sum(), l.mean()
        elif getattr(self.loss_fn, "reduction", "mean") == "sum":
            l_sum = l.detach()
        else:  # the mean over the batch
            l_sum = l.detach() * X.shape[0]
        self.opt.zero_grad(set_to_none=True)
        if self.scaler is None:
            l.backward()
            self.opt.step()
        else:
            self.scaler.scale(l).backward()
            self.scaler.step(self.opt)
            self.scaler.update()
        with torch.no_grad():  # device tensors: adding them queues work, it does not wait
            metric.add(l_sum.float(), _num_correct(y_hat, y), X.shape[0])


def _train_epoch(step: _Step, train_iter, epoch, num_batches, animator):
    """One pass over train_iter. Returns (Accumulator, compute seconds, number of batches)."""
    step.model.train()
    metric = Accumulator(3)  # loss sum, correct count, example count
    clock = _ComputeClock(step.device)
    # Each plotted point reads the Accumulator: a host sync, so only a few per epoch.
    plot_every = (
        max(1, num_batches // PLOTS_PER_EPOCH) if num_batches and animator.mode != "off" else 0
    )
    i = -1
    for i, batch in enumerate(train_iter):
        X, y = setup.to_device(batch, step.device, step.channels_last, "train_iter")
        clock.start()
        try:
            step(X, y, metric)
        except RuntimeError as err:
            setup.explain_error(err, step.device, X)
            raise
        clock.stop()
        if plot_every and (i + 1) % plot_every == 0 and i + 1 < num_batches:
            animator.add(
                epoch + (i + 1) / num_batches, (metric[0] / metric[2], metric[1] / metric[2], None)
            )
    if i < 0:
        raise ValueError(
            f"train_iter yielded no batches in epoch {epoch + 1}. If it is a "
            "generator it is used up after one pass: pass a list or a DataLoader."
        )
    return metric, clock.seconds(), i + 1


def _count_correct(model, data_iter, device, autocast, channels_last):
    """(correct count as a device tensor, number of examples) over data_iter, in eval mode."""
    correct, count = torch.zeros((), dtype=torch.int64, device=device), 0
    # no_grad, not inference_mode: a lazy layer first run here would otherwise get
    # inference-only parameters that training cannot use afterwards.
    with setup.eval_mode(model), torch.no_grad(), autocast():
        for batch in data_iter:
            X, y = setup.to_device(batch, device, channels_last, "the evaluation data")
            try:
                correct += _num_correct(model(X), y)
            except RuntimeError as err:
                setup.explain_error(err, device, X)
                raise
            count += X.shape[0]
    if count == 0:
        raise ValueError(
            "The evaluation data (test_iter) yielded no batches: check its size "
            "and batch size, or that a generator was not already used up."
        )
    return correct, count


def _num_correct(y_hat, y):
    labels = y if y.ndim == 1 else y.argmax(dim=1)  # class indices, or soft/one-hot labels
    return (y_hat.argmax(dim=1) == labels).sum()


class _ComputeClock:
    """Seconds of forward/backward/step in one epoch, without a host sync per batch.

    On a GPU each step is bracketed by two events recorded in the stream; their elapsed times
    are read once, at the end of the epoch. Data loading happens between a stop and the next
    start, so it is not counted. On the CPU work is synchronous and the wall clock is honest.
    """

    def __init__(self, device):
        self.event = {
            "cuda": getattr(torch.cuda, "Event", None),
            "mps": getattr(torch.mps, "Event", None),
        }.get(device.type)
        self.pairs, self.total = [], 0.0

    def start(self) -> None:
        if self.event:
            self._start = self.event(enable_timing=True)
            self._start.record()
        else:
            self._tic = time.perf_counter()

    def stop(self) -> None:
        if self.event:
            end = self.event(enable_timing=True)
            end.record()
            self.pairs.append((self._start, end))
        else:
            self.total += time.perf_counter() - self._tic

    def seconds(self) -> float:
        if self.pairs:
            self.pairs[-1][1].synchronize()
            self.total += sum(a.elapsed_time(b) for a, b in self.pairs) / 1000  # ms -> s
            self.pairs.clear()
        return self.total


def _print_summary(history: History, start: int, device) -> None:
    if not history.epoch:
        return
    print(
        f"loss {history.train_loss[-1]:.3f}, train acc {history.train_acc[-1]:.3f}, "
        f"test acc {history.test_acc[-1]:.3f}"
    )
    examples = sum(history.examples[start:])
    if examples:
        wall, compute = sum(history.seconds[start:]), sum(history.compute_seconds[start:])
        print(
            f"{examples / wall:.1f} examples/sec wall clock, "
            f"{examples / compute:.1f} examples/sec compute on {device}"
        )
