"""Setting up a training run: initialisation, the optimizer, the LR schedule and cuDNN.

Used by `helpers.training.loop.train`; each check turns a mistake a student can make into one
message that says what to do.
"""

import contextlib

import torch
from torch import nn

from helpers.training.batches import to_device
from helpers.training.evaluate import eval_mode

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def xavier_init(net, train_iter, device) -> None:
    """Xavier-uniform init of Linear and Conv2d weights; lazy layers are sized on one batch."""
    if any(isinstance(p, nn.parameter.UninitializedParameter) for p in net.parameters()):
        X, _ = to_device(next(iter(train_iter)), device, False, "train_iter")
        net.to(device)
        with eval_mode(net), torch.no_grad():  # eval: one image must not update BN statistics
            net(X[:1])
    for m in net.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(m.weight)


def make_optimizer(optimizer, net, lr, momentum, weight_decay, device):
    if isinstance(optimizer, torch.optim.Optimizer):
        mine = {id(p) for p in net.parameters()}
        if not any(id(p) in mine for g in optimizer.param_groups for p in g["params"]):
            raise ValueError(
                "The optimizer was built for another model's parameters (was the "
                "net created again after the optimizer?). Build it from "
                "net.parameters(), or pass optimizer='sgd'."
            )
        return optimizer
    if isinstance(optimizer, str):
        if optimizer.lower() not in OPTIMIZERS:
            raise ValueError(
                f"optimizer={optimizer!r} is not one of {sorted(OPTIMIZERS)}; "
                "or pass a torch.optim class or instance."
            )
        optimizer = OPTIMIZERS[optimizer.lower()]
        if momentum and optimizer is not torch.optim.SGD:
            raise ValueError("momentum= applies to SGD; Adam's momentum is its betas=(0.9, 0.999).")
    options = {}
    if momentum:
        options["momentum"] = momentum
    if weight_decay:
        options["weight_decay"] = weight_decay
    if device.type == "cuda" and optimizer in OPTIMIZERS.values():
        # One fused kernel for the update, and with fp16 no host sync in GradScaler.step.
        options["fused"] = True
    return optimizer(net.parameters(), lr=lr, **options)


class Milestones:
    """LambdaLR factor for `{epoch: lr}`: the lr set at the latest milestone reached so far."""

    def __init__(self, base_lr: float, milestones: dict):
        self.base_lr, self.milestones = base_lr, sorted(milestones.items())

    def __call__(self, epoch: int) -> float:
        lr = self.base_lr
        for start, value in self.milestones:
            if epoch >= start:
                lr = value
        return lr / self.base_lr


def make_scheduler(scheduler, opt):
    if scheduler is None:
        return None
    if isinstance(scheduler, dict):
        bad = [k for k, v in scheduler.items() if not isinstance(k, int) or k < 0 or not v > 0]
        if bad:
            raise ValueError(
                "scheduler={epoch: lr} needs epochs >= 0 and positive lrs, e.g. "
                f"{{5: 0.01}}; check {bad}."
            )
        base = opt.param_groups[0]["lr"]
        return torch.optim.lr_scheduler.LambdaLR(opt, Milestones(base, scheduler))
    if callable(scheduler):
        return scheduler(opt)
    raise TypeError(
        "scheduler must be None, {epoch: lr}, or a function optimizer -> "
        f"LRScheduler; got {type(scheduler).__name__}."
    )


@contextlib.contextmanager
def cudnn_benchmark(device):
    """Let cuDNN pick the fastest conv algorithms (shapes repeat), and restore the setting."""
    before = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = before or device.type == "cuda"
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = before
