"""helpers.by_hand.numpy_only: NumPy answers pass through; any use of PyTorch (autograd) fails."""
import numpy as np
import pytest
import torch

from helpers.by_hand import numpy_only


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
    np.testing.assert_array_equal(numpy_only(tanh_prime_numpy, z, exercise="tanh_prime"),
                                  tanh_prime_numpy(z))


@pytest.mark.parametrize("answer", [tanh_prime_backward, tanh_prime_autograd_grad,
                                    tanh_prime_func])
def test_an_answer_that_uses_autograd_fails_with_the_exercise_named(answer):
    z = np.linspace(-2, 2, 7)
    np.testing.assert_allclose(answer(z), tanh_prime_numpy(z))   # the value alone would pass
    with pytest.raises(AssertionError, match=r"tanh_prime calls PyTorch \((torch|Tensor)\.\w+.*by hand, in NumPy"):
        numpy_only(answer, z, exercise="tanh_prime")


def test_the_answers_own_errors_propagate_and_torch_works_afterwards():
    def unfinished(z):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        numpy_only(unfinished, np.zeros(2), exercise="x")
    with pytest.raises(AssertionError):
        numpy_only(tanh_prime_backward, np.zeros(2), exercise="x")
    assert torch.ones(2).sum().item() == 2.0   # the mode is gone after a failure
