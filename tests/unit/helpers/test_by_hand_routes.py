"""helpers.by_hand's guards hold however the forbidden routine is reached, and pass honest work.

Each route a student could take to hand a by-hand exercise to PyTorch (a reference saved before
the guard, an alias, torch._C, torch.ops.aten, a layer, the optimizer's functional form,
switching the guard off from inside) is run under the guard the book uses for that exercise, and
must fail; the honest answers beside them (loops, vectorised views, einsum, no_grad) must pass.
"""

import pytest
import torch
import torch.nn.functional as F
import torch.utils._python_dispatch as python_dispatch
from torch import nn
from torch.nn.functional import conv2d as conv_alias
from torch.optim import sgd as sgd_module

from benchmarks.bench_by_hand import corr2d_by_loops
from helpers.by_hand import by_hand, forbid_builtins, numpy_only
from helpers.by_hand_guard import AllowListMode

# ch05's corr2d guard, as the notebook writes it.
NO_LIBRARY_CONV = ((F, "conv2d"), (torch, "conv2d"), (F, "unfold"))
SAVED_CONV = F.conv2d  # taken "in the answer cell", before the test's guard
SAVED_IM2COL = torch._C._nn.im2col
X = torch.randn(6, 7, dtype=torch.float64)
K = torch.randn(3, 2, dtype=torch.float64)
WANT = F.conv2d(X[None, None], K[None, None])[0, 0]


by_loops = corr2d_by_loops  # the benchmark times this same answer


def by_windows(X, K):
    windows = X.unfold(0, K.shape[0], 1).unfold(1, K.shape[1], 1)  # a view, not F.unfold
    return torch.einsum("ijkl,kl->ij", windows, K)


def by_matmul(X, K):
    windows = X.unfold(0, K.shape[0], 1).unfold(1, K.shape[1], 1)  # (4, 6, 3, 2)
    return windows.reshape(*windows.shape[:2], -1) @ K.reshape(-1)


def _conv(X, K, conv=SAVED_CONV):
    return conv(X[None, None], K[None, None])[0, 0]


def saved_reference(X, K):
    return _conv(X, K)


def alias_import(X, K):
    return _conv(X, K, conv_alias)


def torch_c(X, K):
    return _conv(X, K, torch._C._VariableFunctions.conv2d)


def torch_ops_aten(X, K):
    out = torch.ops.aten.convolution(
        X[None, None], K[None, None], None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1
    )
    return out[0, 0]


def a_layer(X, K):
    layer = nn.Conv2d(1, 1, K.shape, bias=False, dtype=X.dtype)
    layer.weight.data = K[None, None]
    return layer(X[None, None])[0, 0]


def im2col_by_c(X, K):
    cols = SAVED_IM2COL(X[None, None], list(K.shape), [1, 1], [0, 0], [1, 1])
    return (K.reshape(1, -1) @ cols[0]).reshape(4, 6)


def catches_the_refusal(X, K):
    try:
        return saved_reference(X, K)
    except AssertionError:
        return WANT.clone()  # e.g. an answer pasted from elsewhere once the library failed


def restores_the_function(X, K):
    F.conv2d = SAVED_CONV
    return F.conv2d(X[None, None], K[None, None])[0, 0]


def pops_the_mode(X, K):
    python_dispatch._pop_mode()
    return saved_reference(X, K)


def widens_the_allow_list(X, K):
    mode = python_dispatch._get_current_dispatch_mode_stack()[-1]
    mode.allowed = mode.allowed | {"convolution"}
    return saved_reference(X, K)


def edits_the_modes_cache(X, K):
    mode = python_dispatch._get_current_dispatch_mode_stack()[-1]
    mode._refused_ops[torch.ops.aten.convolution.default] = False
    return saved_reference(X, K)


def patches_the_mode_class(X, K):
    mode_class = type(python_dispatch._get_current_dispatch_mode_stack()[-1])
    mode_class._judge = lambda self, func: None
    return saved_reference(X, K)


def patches_the_mode_instance(X, K):
    mode = python_dispatch._get_current_dispatch_mode_stack()[-1]
    mode._judge = lambda func: None
    return saved_reference(X, K)


def pushes_its_own_mode(X, K):
    class Through(python_dispatch.TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            with python_dispatch._disable_current_modes():
                return func(*args, **(kwargs or {}))

    Through().__enter__()
    return saved_reference(X, K)


def by_padding_and_one_hot(X, K):
    """F.pad, one_hot, einsum: composites that inference mode (by_hand) leaves undecomposed."""
    Xp = F.pad(X, (1, 1, 1, 1))[1:-1, 1:-1]
    picks = F.one_hot(torch.arange(K.numel()), K.numel()).to(X.dtype)  # (6, 6) identity
    flat = torch.einsum("ij,j->i", picks, K.reshape(-1)).reshape(K.shape)
    return by_windows(Xp, flat)


@pytest.mark.parametrize("with_by_hand", [False, True], ids=["forbid_builtins", "and by_hand"])
@pytest.mark.parametrize("answer", [by_loops, by_windows, by_matmul, by_padding_and_one_hot])
def test_honest_corr2d_answers_pass(answer, with_by_hand):
    """Also under by_hand as well (ch05's backward exercises): there aten sees einsum, pad and
    one_hot themselves, not what they decompose to."""
    with forbid_builtins("corr2d", *NO_LIBRARY_CONV):
        if with_by_hand:
            with by_hand("corr2d"):
                got = answer(X, K)
        else:
            got = answer(X, K)
    torch.testing.assert_close(got, WANT)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (saved_reference, "reached the library routine aten.convolution"),
        (alias_import, "reached the library routine aten.convolution"),
        (restores_the_function, "put back a library function|aten.convolution"),
        (torch_c, "reached the library routine aten.convolution"),
        (torch_ops_aten, "reached the library routine aten.convolution"),
        (a_layer, "called torch.nn.functional.conv2d"),
        (im2col_by_c, "reached the library routine aten.im2col"),
        (catches_the_refusal, "reached the library routine aten.convolution"),
        (pops_the_mode, "removed the guard's dispatch mode"),
        (widens_the_allow_list, "changed the guard's rules"),
        (edits_the_modes_cache, "changed the guard's rules"),
        (patches_the_mode_class, "replaced the guard's dispatch mode's code"),
        (patches_the_mode_instance, "replaced the guard's dispatch mode's code"),
        (pushes_its_own_mode, "pushed its own dispatch mode over the guard's"),
    ],
)
def test_every_route_to_the_library_fails(answer, message):
    judge = AllowListMode._judge
    with pytest.raises(AssertionError, match=message), forbid_builtins("corr2d", *NO_LIBRARY_CONV):
        torch.testing.assert_close(answer(X, K), WANT)  # the value alone would pass
    AllowListMode._judge = judge  # patches_the_mode_class's patch outlives the block
    F.conv2d = SAVED_CONV  # restores_the_function's line ran before the guard put it back
    assert F.conv2d is SAVED_CONV and torch.conv2d is not None
    assert python_dispatch._get_current_dispatch_mode_stack() == []  # nothing left behind
    torch.testing.assert_close(_conv(X, K), WANT)  # and the library works after the block


# ch04's sgd_momentum_step guard: torch.optim's optimizers only call elementary ops, so only
# the stack tells them apart from an answer written by hand.
LIBRARY_SGD = [(torch.optim, "SGD"), (sgd_module, "SGD"), (sgd_module, "sgd")]
SAVED_SGD, SAVED_SGD_FUNCTION = torch.optim.SGD, sgd_module.sgd


def sgd_by_hand(params, grads, lr):
    for p, g in zip(params, grads):
        p.sub_(lr * g)


def sgd_by_saved_class(params, grads, lr):
    for p, g in zip(params, grads):
        p.grad = g
    SAVED_SGD(params, lr=lr, foreach=False).step()


def sgd_by_private_function(params, grads, lr):
    sgd_module._single_tensor_sgd(
        params, grads, [None] * len(params), grad_scale=None, found_inf=None,
        weight_decay=0.0, momentum=0.0, lr=lr, dampening=0.0, nesterov=False,
        maximize=False, has_sparse_grad=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "passes"),
    [(sgd_by_hand, True), (sgd_by_saved_class, False), (sgd_by_private_function, False)],
)
def test_the_optimizer_is_caught_on_the_stack(answer, passes):
    params = [torch.ones(3, requires_grad=True)]
    grads = [torch.full((3,), 2.0)]
    with torch.no_grad():
        if passes:
            with forbid_builtins("Exercise 7 (sgd_momentum_step)", *LIBRARY_SGD):
                answer(params, grads, 0.5)
            assert torch.equal(params[0], torch.zeros(3))
        else:
            with (
                pytest.raises(AssertionError, match="ran the library's|profiler"),
                forbid_builtins("Exercise 7 (sgd_momentum_step)", *LIBRARY_SGD),
            ):
                answer(params, grads, 0.5)
    assert torch.optim.SGD is SAVED_SGD and sgd_module.sgd is SAVED_SGD_FUNCTION


# by_hand: autograd switched off, also for a reference taken earlier and inference mode left.
SAVED_GRAD = torch.autograd.grad


def cube_prime_by_hand(x):
    return 3 * x**2


def cube_prime_under_no_grad(x):
    with torch.no_grad(), torch.enable_grad():  # harmless: inference mode stays on
        return 3 * x**2


def cube_prime_inference_off(x):
    with torch.inference_mode(False):
        x = x.clone().requires_grad_()
        return SAVED_GRAD((x**3).sum(), x)[0]


def cube_prime_mode_popped(x):
    python_dispatch._pop_mode()
    return cube_prime_inference_off(x)


@pytest.mark.parametrize("answer", [cube_prime_by_hand, cube_prime_under_no_grad])
def test_by_hand_passes_honest_answers(answer):
    x = torch.tensor([1.0, -2.0])
    with by_hand("Exercise 1 (cube_prime)"):
        got = answer(x)
    assert torch.equal(got, torch.tensor([3.0, 12.0]))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (cube_prime_inference_off, r"switched inference mode off"),
        (cube_prime_mode_popped, r"removed the guard's dispatch mode"),
    ],
)
def test_by_hand_fails_autograd_reached_by_switching_the_guard_off(answer, message):
    x = torch.tensor([1.0, -2.0])
    right = cube_prime_inference_off(x)  # the value alone would pass
    torch.testing.assert_close(right, torch.tensor([3.0, 12.0]))
    with pytest.raises(AssertionError, match=message), by_hand("Exercise 1 (cube_prime)"):
        answer(x)
    assert not torch.is_inference_mode_enabled()
    assert python_dispatch._get_current_dispatch_mode_stack() == []


def test_numpy_only_sees_torch_ops_aten_too():
    import numpy as np

    def through_aten(z):
        return torch.ops.aten.tanh.default(torch.ops.aten.scalar_tensor(float(z[0]))).item()

    with pytest.raises(AssertionError, match="calls PyTorch"):
        numpy_only(through_aten, np.zeros(1), exercise="tanh_prime")
    assert numpy_only(lambda z: 1 - np.tanh(z) ** 2, np.zeros(1), exercise="tanh_prime") == 1.0
