"""helpers.by_hand.by_hand: hand-written gradients pass, autograd inside fails clearly."""
import pytest
import torch

from helpers.by_hand import by_hand


def _square_grad_by_hand(x):
    return 2 * x


def _square_grad_by_backward(x):
    x = x.clone().requires_grad_()
    (x ** 2).sum().backward()
    return x.grad


def _square_grad_by_autograd_grad(x):
    with torch.enable_grad():  # cannot switch recording back on inside inference mode
        x = x.clone().requires_grad_()
        return torch.autograd.grad((x ** 2).sum(), x)[0]


def test_a_gradient_by_hand_runs_and_is_right():
    x = torch.tensor([1.0, -2.0, 3.0])
    with by_hand("Exercise 0 (square)"):
        got = _square_grad_by_hand(x)
    assert torch.equal(got, torch.tensor([2.0, -4.0, 6.0]))


@pytest.mark.parametrize("answer", [_square_grad_by_backward, _square_grad_by_autograd_grad])
def test_an_answer_that_calls_autograd_fails_with_the_exercise_named(answer):
    x = torch.tensor([1.0, -2.0, 3.0])
    message = r"Exercise 0 \(square\) asks for the gradient worked out by hand"
    with pytest.raises(AssertionError, match=message), by_hand("Exercise 0 (square)"):
        answer(x)
    # Outside the block autograd works again.
    assert torch.equal(_square_grad_by_backward(x), 2 * x)


def test_other_errors_pass_through_unchanged():
    with pytest.raises(RuntimeError, match="size of tensor a"), by_hand("Exercise 0"):
        torch.ones(2) + torch.ones(3)
    with pytest.raises(NotImplementedError), by_hand("Exercise 0 (square)"):
        raise NotImplementedError()
