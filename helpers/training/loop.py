"""The book's one training loop: `train` (alias `train_ch6`).

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

Any iterable of `(X, y)` batches works: a DataLoader, `helpers.data.loaders`' on-device
loaders, or a plain list of tensors. Evaluation is in evaluate.py, the options in options.py.
"""

import contextlib
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from helpers.animator import Animator
from helpers.devices import resolve_device
from helpers.progress import TrainingProgress
from helpers.timing import Accumulator
from helpers.training import checkpoint as ckpt
from helpers.training import setup
from helpers.training.batches import check_outputs, explain_error, to_device
from helpers.training.evaluate import count_correct, num_correct
from helpers.training.history import History
from helpers.training.options import AMP_DTYPES, TrainOptions, check_arguments

PLOTS_PER_EPOCH = 5  # in-epoch points on the plot, as in the notes (each costs one host sync)


# -- public API --------------------------------------------------------------------------------
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
    options = TrainOptions(
        num_epochs=num_epochs,
        lr=lr,
        device=device,
        optimizer=optimizer,
        momentum=momentum,
        weight_decay=weight_decay,
        scheduler=scheduler,
        loss=loss,
        init=init,
        amp=amp,
        channels_last=channels_last,
        compile=compile,
        checkpoint=checkpoint,
        resume=resume,
        plot=plot,
    )
    check_arguments(net, train_iter, test_iter, options)
    run = _prepare(net, train_iter, options)
    history, start = _resume(run, options.checkpoint) if options.resume else (History(), 0)
    if not options.resume and options.checkpoint is not None and Path(options.checkpoint).exists():
        print(f"training afresh (resume=False): {options.checkpoint} will be overwritten")
    evaluated_on = eval_label(test_iter)
    animator = _animator_for(options.plot, options.num_epochs, history, evaluated_on)
    print(f"training on {run.device}")
    num_batches = len(train_iter) if hasattr(train_iter, "__len__") else None
    # Epoch, batch, time elapsed and left: a line in the plot's display (helpers/progress.py).
    progress = TrainingProgress(options.num_epochs, start, num_batches, animator.set_status)
    try:
        with setup.cudnn_benchmark(run.device):
            for epoch in range(start, options.num_epochs):
                num_batches = _one_epoch(
                    run, train_iter, test_iter, epoch, num_batches, history, animator, progress
                )
        if progress.batches_done:
            progress.finish()
    finally:
        animator.flush()
    _print_summary(history, start, run.device, evaluated_on)
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
    checkpoint: object  # the path saved after every epoch, or None


def _prepare(net, train_iter, options: TrainOptions) -> _Run:
    """Device, initialisation, optimizer, schedule, scaler and the per-batch step."""
    device = resolve_device(options.device)
    amp = options.amp
    if amp == "fp16" and device.type != "cuda":
        raise ValueError(f"amp='fp16' needs a CUDA GPU, not {device}; use amp='bf16' or None.")
    if options.init:
        setup.xavier_init(net, train_iter, device)
    net.to(device)
    if options.channels_last:
        net.to(memory_format=torch.channels_last)
    opt = setup.make_optimizer(
        options.optimizer, net, options.lr, options.momentum, options.weight_decay, device
    )
    sched = setup.make_scheduler(options.scheduler, opt)
    scaler = torch.amp.GradScaler(device.type) if amp == "fp16" else None
    model = torch.compile(net) if options.compile else net
    autocast = (
        (lambda: torch.autocast(device.type, dtype=AMP_DTYPES[amp]))
        if amp
        else contextlib.nullcontext
    )
    loss = options.loss
    step = _Step(
        model,
        loss if loss is not None else nn.CrossEntropyLoss(),
        opt,
        scaler,
        autocast,
        options.channels_last,
        device,
        check_labels=loss is None,
    )
    return _Run(
        net,
        model,
        opt,
        sched,
        scaler,
        autocast,
        options.channels_last,
        device,
        step,
        options.checkpoint,
    )


def _resume(run: _Run, checkpoint) -> tuple[History, int]:
    """(history so far, epochs done) from `checkpoint` if it exists, else a fresh start."""
    if not Path(checkpoint).exists():
        return History(), 0
    state = ckpt.load(
        checkpoint, net=run.net, optimizer=run.opt, scheduler=run.sched, scaler=run.scaler
    )
    print(
        f"resuming from {checkpoint} after epoch {state['epoch']} "
        "(resume=False, or deleting the file, trains afresh)"
    )
    return History(**state["history"]), state["epoch"]


def eval_label(data_iter) -> str:
    """How the plot and the summary name the evaluation data: "val" for a validation split (a
    loader whose `split` is "validation", helpers.data.loaders), else "test" as in the notes."""
    return "val" if getattr(data_iter, "split", None) == "validation" else "test"


def _animator_for(plot, num_epochs, history: History, evaluated_on: str = "test") -> Animator:
    """The Animator `plot=` asks for, already showing the epochs a resumed run has."""
    # x runs from 0, not 1 as in d2l: the first epoch's running loss (at x = 0.2, 0.4, ...) is
    # then in view while it trains, and a 1-epoch run gets axes, not a degenerate [1, 1].
    animator = (
        plot
        if isinstance(plot, Animator)
        else Animator(
            xlabel="epoch",
            xlim=[0, num_epochs],
            legend=["train loss", "train acc", f"{evaluated_on} acc"],
            mode=None if plot else "off",
        )
    )
    for e, row in enumerate(zip(history.train_loss, history.train_acc, history.test_acc)):
        animator.add(e + 1, row)
    return animator


# -- one epoch ---------------------------------------------------------------------------------
def _one_epoch(
    run: _Run, train_iter, test_iter, epoch, num_batches, history: History, animator, progress
):
    """Train, evaluate, record, step the schedule, plot and save; return the batch count."""
    tic = time.perf_counter()
    metric, compute, num_batches = _train_epoch(
        run.step, train_iter, epoch, num_batches, animator, progress
    )
    progress.evaluating()
    correct, count = count_correct(
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
    if run.checkpoint is not None:
        ckpt.save(
            run.checkpoint,
            net=run.net,
            optimizer=run.opt,
            scheduler=run.sched,
            scaler=run.scaler,
            epoch=epoch + 1,
            history=history.as_dict(),
        )
    history.seconds[-1] = time.perf_counter() - tic  # plot and checkpoint included
    progress.epoch_done()
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
                check_outputs(y_hat, y, self.check_labels)
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
            metric.add(l_sum.float(), num_correct(y_hat, y), X.shape[0])


def _train_epoch(step: _Step, train_iter, epoch, num_batches, animator, progress):
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
        X, y = to_device(batch, step.device, step.channels_last, "train_iter")
        clock.start()
        try:
            step(X, y, metric)
        except RuntimeError as err:
            explain_error(err, step.device, X)
            raise
        clock.stop()
        progress.batch(epoch, i + 1)  # no sync: a counter and a clock read
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


def _print_summary(history: History, start: int, device, evaluated_on: str = "test") -> None:
    if not history.epoch:
        return
    print(
        f"loss {history.train_loss[-1]:.3f}, train acc {history.train_acc[-1]:.3f}, "
        f"{evaluated_on} acc {history.test_acc[-1]:.3f}"
    )
    examples = sum(history.examples[start:])
    if examples:
        wall, compute = sum(history.seconds[start:]), sum(history.compute_seconds[start:])
        print(
            f"{examples / wall:.1f} examples/sec wall clock, "
            f"{examples / compute:.1f} examples/sec compute on {device}"
        )
