"""`train()`'s options as one frozen object, and the checks that turn a student's mistake in
them into one message that says what to do.

`train(net, train_iter, test_iter, num_epochs, lr, device, *, optimizer=..., ...)` keeps the
lecture notes' keyword signature (students call it); inside, the options travel as one
`TrainOptions`, so each step of the loop reads the fields it needs by name.
"""

import numbers
from dataclasses import dataclass

import torch
from torch import nn

AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


@dataclass(frozen=True)
class TrainOptions:
    """Everything `train()` was asked for besides the net and the data (see its docstring)."""

    num_epochs: int
    lr: float
    device: object = None  # None: try_gpu()
    optimizer: object = "sgd"  # a name, an Optimizer class or callable, or an instance
    momentum: float = 0.0
    weight_decay: float = 0.0
    scheduler: object = None  # {epoch: lr}, or optimizer -> LRScheduler
    loss: object = None  # None: nn.CrossEntropyLoss(), with the label checks
    init: bool = True  # Xavier-uniform init of Linear and Conv2d weights
    amp: str | None = None  # None, "bf16" or "fp16"
    channels_last: bool = False
    compile: bool = False
    checkpoint: object = None  # a path written after every epoch
    resume: bool = False
    plot: object = True  # True, False or an Animator


def check_arguments(net, train_iter, test_iter, options: TrainOptions) -> None:
    """Raise the book's message for the first thing wrong with the net, the data or the options."""
    num_epochs, lr, amp = options.num_epochs, options.lr, options.amp
    momentum, weight_decay = options.momentum, options.weight_decay
    if not isinstance(net, nn.Module):
        raise TypeError(
            f"net must be a torch.nn.Module (e.g. nn.Sequential(...)), got a {type(net).__name__}."
        )
    if not any(True for _ in net.parameters()):
        raise ValueError(
            "The net has no parameters to train: did __init__ forget to create "
            "its layers (or call super().__init__() before them)?"
        )
    for name, data in (("train_iter", train_iter), ("test_iter", test_iter)):
        if not hasattr(data, "__iter__") or torch.is_tensor(data):
            raise TypeError(
                f"{name} must be an iterable of (X, y) batches (a DataLoader, a "
                f"list of pairs), got a {type(data).__name__}."
            )
    if not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive integer, got {num_epochs!r}.")
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not lr > 0:
        raise ValueError(
            f"lr must be a positive number, got {lr!r} (try 0.1 for SGD, 1e-3 for Adam)."
        )
    if momentum < 0 or weight_decay < 0:
        raise ValueError(
            f"momentum and weight_decay must be >= 0, got {momentum} and {weight_decay}."
        )
    if amp not in (None, *AMP_DTYPES):
        raise ValueError(f"amp must be None, 'bf16' or 'fp16', got {amp!r}.")
    if options.resume and options.checkpoint is None:
        raise ValueError("resume=True needs checkpoint='some/path.pt' to resume from.")
