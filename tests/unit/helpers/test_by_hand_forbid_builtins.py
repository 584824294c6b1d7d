"""helpers.by_hand.forbid_builtins: ready-made functions fail inside the block and come back after it."""

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
