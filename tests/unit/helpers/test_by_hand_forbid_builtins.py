"""helpers.by_hand.forbid_builtins: ready-made functions fail inside the block and come back after it."""

import sys

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.by_hand import forbid_builtins

GUARDED = [(F, "batch_norm"), (torch, "batch_norm")]


def test_a_layer_calling_the_builtin_fails_with_a_message_naming_the_exercise():
    with (
        pytest.raises(
            AssertionError,
            match="batch_norm is to be written by hand.*torch.nn.functional.batch_norm",
        ),
        forbid_builtins("batch_norm", *GUARDED),
    ):
        nn.BatchNorm2d(3)(torch.randn(2, 3, 4, 4))


def test_tensor_arithmetic_is_allowed_inside():
    X = torch.randn(5, 3)
    with forbid_builtins("batch_norm", *GUARDED):
        Y = (X - X.mean(0)) / torch.sqrt(X.var(0, unbiased=False) + 1e-5)
    assert torch.allclose(Y, nn.BatchNorm1d(3, affine=False)(X), atol=1e-5)


def test_originals_are_restored_also_after_an_error():
    before = (F.batch_norm, torch.batch_norm)
    with pytest.raises(ZeroDivisionError), forbid_builtins("x", *GUARDED):
        raise ZeroDivisionError("an error inside the block")
    assert (F.batch_norm, torch.batch_norm) == before
    nn.BatchNorm1d(2)(torch.randn(3, 2))  # works again


def test_a_misspelt_target_fails_and_restores_the_ones_already_replaced():
    before = F.batch_norm
    with pytest.raises(AttributeError), forbid_builtins("x", (F, "batch_norm"), (F, "no_such")):
        pass
    assert F.batch_norm is before


ROOTS = [(torch, "sqrt"), (torch.Tensor, "sqrt"), (torch, "rsqrt")]


@pytest.mark.parametrize(
    "root",
    [
        lambda a: a**0.5,
        lambda a: torch.pow(a, -0.5),
        lambda a: torch.float_power(a, 0.5),
        lambda a: a ** torch.tensor(0.5, dtype=a.dtype),
        lambda a: 2 ** (torch.log2(a) / 2),
    ],
    ids=["a ** 0.5", "pow(a, -0.5)", "float_power", "a ** tensor(0.5)", "2 ** (log2 / 2)"],
)
def test_naming_a_root_refuses_fractional_powers(root):
    a = torch.tensor([2.0, 9.0], dtype=torch.float64)
    with pytest.raises(AssertionError, match="fractional power"), forbid_builtins("r", *ROOTS):
        root(a)


def test_whole_powers_stay_arithmetic_and_autograd_records_through_the_guard():
    a = torch.tensor([2.0, 9.0], dtype=torch.float64, requires_grad=True)
    with forbid_builtins("r", *ROOTS):
        y = (a**2 + a ** torch.tensor(3.0, dtype=a.dtype) + 2**a).sum()
    y.backward()
    assert a.grad is not None


class _Sub(nn.Sequential):
    pass


_SEQ = nn.Sequential  # a reference taken before the guard


class _Borrows(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        _SEQ.__init__(self, *modules)


@pytest.mark.parametrize(
    "build",
    [lambda: _Sub(nn.ReLU()), lambda: _Borrows(nn.ReLU())],
    ids=["a subclass", "a borrowed __init__"],
)
def test_a_class_target_is_watched_at_python_calls_that_run_no_op(build):
    """nn.Sequential's __init__ registers modules and runs no op: only the call watcher sees it.
    `instead` is the message's advice."""
    with (
        pytest.raises(
            AssertionError, match=r"ran the library's Sequential.__init__.*Use add_module"
        ),
        forbid_builtins("seq", (nn, "Sequential"), instead="Use add_module."),
    ):
        build()
    assert sys.getprofile() is None  # the watcher is gone after the block


def test_switching_the_call_watcher_off_fails():
    with (
        pytest.raises(AssertionError, match=r"call watcher off \(sys.setprofile\)"),
        forbid_builtins("seq", (nn, "Sequential")),
    ):
        sys.setprofile(None)


def test_a_profiler_already_on_keeps_seeing_calls_under_the_watcher():
    seen = []

    def profiler(frame, event, arg):
        if event == "call":
            seen.append(frame.f_code.co_name)

    def honest():
        return nn.ReLU()(torch.ones(2))

    sys.setprofile(profiler)
    try:
        with forbid_builtins("seq", (nn, "Sequential")):
            honest()
    finally:
        after = sys.getprofile()
        sys.setprofile(None)
    assert "honest" in seen and after is profiler
