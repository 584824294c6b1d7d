"""Setting up a training run: checking arguments, devices, batches, initialisation, the
optimizer and the LR schedule. Used by `helpers.training.train`; each check turns a mistake a
student can make into one message that says what to do.
"""

import contextlib
import numbers

import torch
from torch import nn

from .devices import try_gpu

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}
AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def check_arguments(
    net, train_iter, test_iter, num_epochs, lr, momentum, weight_decay, amp, checkpoint, resume
):
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
    if resume and checkpoint is None:
        raise ValueError("resume=True needs checkpoint='some/path.pt' to resume from.")


def resolve_device(device) -> torch.device:
    """`device` as a torch.device; None means `try_gpu()`. Every entry point that takes a
    `device=` (train, evaluate_accuracy, the loaders) goes through here, so a name PyTorch
    does not know, or a CUDA device this machine lacks, gives the book's message instead of
    torch's "Found no NVIDIA driver" at the first tensor moved there."""
    try:
        device = try_gpu() if device is None else torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device={device!r} is not a device PyTorch knows: use 'cpu', 'cuda', "
            "'cuda:1', or helpers.try_gpu()."
        ) from None
    if device.type == "cuda":
        index = device.index or 0
        if torch.cuda.device_count() <= index:
            raise ValueError(
                f"device={str(device)!r} was requested but this machine has "
                f"{torch.cuda.device_count()} CUDA GPU(s). Use "
                "device=helpers.try_gpu(), which falls back to the CPU."
            )
        device = torch.device("cuda", index)  # "cuda" and "cuda:0" must compare equal
    return device


def param_device(net):
    for p in net.parameters():
        if not isinstance(p, nn.parameter.UninitializedParameter):
            return p.device
    return None


def to_device(batch, device, channels_last, name):
    try:
        X, y = batch
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must yield (X, y) pairs of tensors; got a {type(batch).__name__}."
        ) from None
    if not (torch.is_tensor(X) and torch.is_tensor(y)):
        raise TypeError(
            f"{name} must yield (X, y) pairs of tensors; got "
            f"({type(X).__name__}, {type(y).__name__})."
        )
    if X.device != device:
        # non_blocking only host -> GPU: a GPU -> host copy could be read before it lands.
        X = X.to(device, non_blocking=device.type == "cuda")
    if y.device != device:
        y = y.to(device, non_blocking=device.type == "cuda")
    if channels_last and X.ndim == 4:
        X = X.contiguous(memory_format=torch.channels_last)  # no-op when already NHWC
    return X, y


def check_outputs(y_hat, y, check_labels) -> None:
    """Checks on the first batch only (one host sync), each with what to do about it."""
    n = y_hat.shape[0] if y_hat.ndim else 1
    if y.ndim == 0 or y.shape[0] != n:
        raise ValueError(
            f"The net made {n} predictions but the batch has labels of shape "
            f"{tuple(y.shape)}: each X needs one label per example."
        )
    if not check_labels:
        return
    if y_hat.ndim != 2:
        raise ValueError(
            f"The net's output has shape {tuple(y_hat.shape)}; cross-entropy "
            "needs (batch, num_classes) scores. End the net with nn.Flatten() "
            "and nn.Linear(..., num_classes)."
        )
    if y.is_floating_point():
        if y.shape != y_hat.shape:
            raise ValueError(
                f"The labels are {y.dtype} of shape {tuple(y.shape)}; "
                "cross-entropy needs class indices: torch.int64 of shape "
                "(batch,). Convert with y.long()."
            )
        return  # soft / one-hot labels of the same shape as the output: allowed
    if y.dtype != torch.int64:
        raise ValueError(
            f"The labels have dtype {y.dtype}; cross-entropy needs torch.int64 "
            "class indices. Convert with y.long() (in the dataset or loader)."
        )
    if y.ndim != 1:
        raise ValueError(
            f"The labels have shape {tuple(y.shape)}; cross-entropy needs shape "
            "(batch,). Use y.view(-1) or y.squeeze(1)."
        )
    low, high = (int(v) for v in torch.aminmax(y))
    if low < 0 or high >= y_hat.shape[1]:
        raise ValueError(
            f"The labels range from {low} to {high} but the net outputs "
            f"{y_hat.shape[1]} class scores: labels must lie in "
            f"0..{y_hat.shape[1] - 1}."
        )


def explain_error(err: RuntimeError, device, X) -> None:
    """Re-raise PyTorch's device and dtype mismatch errors with what to do about them."""
    text = str(err)
    if "device" in text and ("same device" in text or "expected device" in text):
        raise RuntimeError(
            f"The net mixes devices while the batch is on {device}: {text}\n"
            "Every parameter was moved with net.to(device), so a tensor the model keeps or "
            "creates itself is elsewhere. Register kept tensors with self.register_buffer(...) "
            "and create new ones with device=X.device."
        ) from err
    if "should be the same" in text or "must have the same dtype" in text:
        hint = (
            "X.float() / 255 for uint8 images"
            if not X.is_floating_point()
            else "X.float() (NumPy arrays become float64 tensors)"
        )
        raise RuntimeError(
            f"{text}\nThe batch X has dtype {X.dtype}, which the net's weights "
            f"do not accept: convert the data with {hint}."
        ) from err


@contextlib.contextmanager
def eval_mode(net: nn.Module):
    """Run the block with every submodule in eval mode, then give each its own mode back.

    Eval mode turns dropout off and makes batch norm use its running statistics. Each module's
    own flag is restored, not `net.train()`: a submodule the student froze with `.eval()` stays
    frozen. Restored in `finally`, so an error inside the block leaves the modes as they were.
    """
    modes = [(m, m.training) for m in net.modules()]
    net.eval()
    try:
        yield net
    finally:
        for m, mode in modes:
            m.training = mode


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
