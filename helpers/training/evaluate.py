"""Evaluation: `evaluate_accuracy(net, data_iter)` and the eval-mode context both use.

Runs in eval mode (dropout off, batch norm uses running statistics) without building a graph;
the correct count stays on the device until the end, so there is one host sync per evaluation.
"""

import contextlib

import torch
from torch import nn

from helpers.devices import param_device, resolve_device
from helpers.training.batches import explain_error, to_device


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


def evaluate_accuracy(net, data_iter, device=None) -> float:
    """Fraction of examples in `data_iter` that `net` classifies correctly.

    Runs in eval mode (dropout off, batch norm uses running statistics) without building a
    graph, then puts every submodule back into the mode it was in. `device` defaults to the
    device of the net's parameters; batches are moved there.
    """
    if device is None:
        device = param_device(net) or torch.device("cpu")
    device = resolve_device(device)
    wrong = param_device(net)
    if wrong is not None and wrong != device:
        raise ValueError(
            f"The net's parameters are on {wrong} but device={device}. Call "
            f"net.to({str(device)!r}) first, or leave device=None."
        )
    correct, count = count_correct(net, data_iter, device, contextlib.nullcontext, False)
    return float(correct) / count


def count_correct(model, data_iter, device, autocast, channels_last):
    """(correct count as a device tensor, number of examples) over data_iter, in eval mode."""
    correct, count = torch.zeros((), dtype=torch.int64, device=device), 0
    # no_grad, not inference_mode: a lazy layer first run here would otherwise get
    # inference-only parameters that training cannot use afterwards.
    with eval_mode(model), torch.no_grad(), autocast():
        for batch in data_iter:
            X, y = to_device(batch, device, channels_last, "the evaluation data")
            try:
                correct += num_correct(model(X), y)
            except RuntimeError as err:
                explain_error(err, device, X)
                raise
            count += X.shape[0]
    if count == 0:
        raise ValueError(
            "The evaluation data (test_iter) yielded no batches: check its size "
            "and batch size, or that a generator was not already used up."
        )
    return correct, count


def num_correct(y_hat, y):
    labels = y if y.ndim == 1 else y.argmax(dim=1)  # class indices, or soft/one-hot labels
    return (y_hat.argmax(dim=1) == labels).sum()
