"""helpers.by_hand: answers written by hand pass; any use of PyTorch (numpy_only) or autograd
(by_hand) fails with a message that says what the exercise asks for."""

import numpy as np
import pytest
import torch

from helpers.by_hand import by_hand, numpy_only


def tanh_prime_numpy(z):
    return 1.0 - np.tanh(z) ** 2


def tanh_prime_backward(z):
    zt = torch.tensor(z, requires_grad=True)
    torch.tanh(zt).sum().backward()
    return zt.grad.numpy()


def tanh_prime_autograd_grad(z):
    zt = torch.from_numpy(z).requires_grad_()
    (grad,) = torch.autograd.grad(torch.tanh(zt).sum(), zt)
    return grad.numpy()


def tanh_prime_func(z):
    return torch.func.vmap(torch.func.grad(torch.tanh))(torch.from_numpy(z)).numpy()


def test_a_numpy_answer_passes_and_returns_its_value():
    z = np.linspace(-2, 2, 7)
    np.testing.assert_array_equal(
        numpy_only(tanh_prime_numpy, z, exercise="tanh_prime"), tanh_prime_numpy(z)
    )


@pytest.mark.parametrize("answer", [tanh_prime_backward, tanh_prime_autograd_grad, tanh_prime_func])
def test_an_answer_that_uses_autograd_fails_with_the_exercise_named(answer):
    z = np.linspace(-2, 2, 7)
    np.testing.assert_allclose(answer(z), tanh_prime_numpy(z))  # the value alone would pass
    with pytest.raises(
        AssertionError, match=r"tanh_prime calls PyTorch \((torch|Tensor)\.\w+.*by hand, in NumPy"
    ):
        numpy_only(answer, z, exercise="tanh_prime")


def test_the_answers_own_errors_propagate_and_torch_works_afterwards():
    def unfinished(z):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        numpy_only(unfinished, np.zeros(2), exercise="x")
    with pytest.raises(AssertionError):
        numpy_only(tanh_prime_backward, np.zeros(2), exercise="x")
    assert torch.ones(2).sum().item() == 2.0  # the mode is gone after a failure


def _square_grad_by_hand(x):
    return 2 * x


def _square_grad_by_backward(x):
    x = x.clone().requires_grad_()
    (x**2).sum().backward()
    return x.grad


def _square_grad_by_autograd_grad(x):
    with torch.enable_grad():  # cannot switch recording back on inside inference mode
        x = x.clone().requires_grad_()
        return torch.autograd.grad((x**2).sum(), x)[0]


def test_a_gradient_by_hand_runs_and_is_right():
    x = torch.tensor([1.0, -2.0, 3.0])
    with by_hand("Exercise 0 (square)"):
        got = _square_grad_by_hand(x)
    assert torch.equal(got, torch.tensor([2.0, -4.0, 6.0]))


@pytest.mark.parametrize("answer", [_square_grad_by_backward, _square_grad_by_autograd_grad])
def test_an_answer_that_calls_autograd_fails_with_the_exercise_named(answer):
    x = torch.tensor([1.0, -2.0, 3.0])
    message = r"Exercise 0 \(square\) asks for the derivative worked out by hand"
    with pytest.raises(AssertionError, match=message), by_hand("Exercise 0 (square)"):
        answer(x)
    # Outside the block autograd works again.
    assert torch.equal(_square_grad_by_backward(x), 2 * x)


def test_other_errors_pass_through_unchanged():
    with pytest.raises(RuntimeError, match="size of tensor a"), by_hand("Exercise 0"):
        torch.ones(2) + torch.ones(3)
    with pytest.raises(NotImplementedError), by_hand("Exercise 0 (square)"):
        raise NotImplementedError()
