"""helpers.by_hand.forbid: a forbidden call fails with the exercise's name; everything is restored."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers.by_hand import forbid


def test_forbidden_calls_fail_with_a_clear_message_and_are_restored():
    original, x = F.conv2d, torch.ones(1, 1, 3, 3)
    with (pytest.raises(AssertionError, match="corr2d is to be written by hand.*conv2d"),
          forbid("corr2d", "torch.nn.functional.conv2d", "torch.conv2d")):
        nn.Conv2d(1, 1, 2)(x)  # the module calls F.conv2d inside
    assert F.conv2d is original
    assert F.conv2d(x, torch.ones(1, 1, 2, 2)).shape == (1, 1, 2, 2)


def test_methods_of_classes_can_be_forbidden_and_other_code_runs():
    with forbid("maxpool_backward", "torch.Tensor.backward"):
        assert torch.ones(2).sum().item() == 2.0
        leaf = torch.ones(2, requires_grad=True)
        with pytest.raises(AssertionError, match="maxpool_backward"):
            leaf.sum().backward()
    leaf.sum().backward()
    assert leaf.grad.tolist() == [1.0, 1.0]


def test_a_misspelt_name_is_an_error_and_nothing_stays_replaced():
    original = F.unfold
    with (pytest.raises(AttributeError, match="no_such_function"),
          forbid("im2col", "torch.nn.functional.unfold", "torch.nn.functional.no_such_function")):
        pass
    assert F.unfold is original
