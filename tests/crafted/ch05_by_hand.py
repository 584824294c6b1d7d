"""Crafted chapter-05 submissions for tests/test_grading_by_hand.py: the by-hand exercises done
by PyTorch, each through a route the old Python-level guard let through.

Each dict maps an answer cell's grade_id to the source that replaces it. A replaced exercise
deserves 0 on its test cell (the work is the library's) and the TA gets a flag; every exercise
not replaced keeps the solution and its points. HONEST_VARIANTS are by-hand answers written
differently from the solution: full marks and no flag.
"""

# References saved in the answer cell, before the test's guard swaps the names; the autograd
# exercises switch by_hand's inference mode off to use a saved torch.autograd.grad.
SAVED = """
_conv, _max, _avg, _unfold, _grad = F.conv2d, F.max_pool2d, F.avg_pool2d, F.unfold, torch.autograd.grad
"""
SAVED_REFERENCE = {
    "corr2d": SAVED
    + """
def corr2d(X, K):
    return _conv(X[None, None], K[None, None])[0, 0]
""",
    "conv2d_cost": SAVED
    + """
def conv2d_cost(conv, input_shape):
    out = _conv(torch.empty(input_shape, device="meta"), conv.weight, conv.bias, conv.stride,
                conv.padding, conv.dilation, conv.groups)
    params = sum(p.numel() for p in conv.parameters())
    return params, out.numel() * conv.weight[0].numel()
""",
    "corr2d_multi_in_out": SAVED
    + """
def corr2d_multi_in_out(X, K):
    return _conv(X[None], K)[0]
""",
    "conv1x1_as_matmul": SAVED
    + """
def conv1x1_as_matmul(X, weight, bias):
    return _conv(X, weight, bias)
""",
    "pool2d": SAVED
    + """
def pool2d(X, k, s=None, p=0, mode="max"):
    return (_max if mode == "max" else _avg)(X, k, k if s is None else s, p)
""",
    "numerical_gradient": SAVED
    + """
def numerical_gradient(f, x, dout, eps=1e-6):
    with torch.inference_mode(False):
        leaf = x.detach().clone().requires_grad_(True)
        return _grad((f(leaf) * dout).sum(), leaf)[0].detach()
""",
    "conv_backward": SAVED
    + """
def conv_backward(dout, X, W, stride=1, pad=0):
    with torch.inference_mode(False):
        Xr, Wr = X.detach().clone().requires_grad_(), W.detach().clone().requires_grad_()
        dX, dW = _grad(_conv(Xr, Wr, None, stride, pad), (Xr, Wr), dout)
    return dX.detach(), dW.detach(), dout.sum(dim=(0, 2, 3))
""",
    "maxpool_backward": SAVED
    + """
def maxpool_backward(X, grad_out, k, s=None, p=0):
    with torch.inference_mode(False):
        Xr = X.detach().clone().requires_grad_()
        (dX,) = _grad(_max(Xr, k, k if s is None else s, p), (Xr,), grad_out)
    return dX.detach()
""",
    "im2col": SAVED
    + """
def im2col(X, k, s=1, p=0):
    return _unfold(X, k, padding=p, stride=s)
""",
    "predict_shapes": SAVED
    + """
def predict_shapes(layers, input_shape):
    x, shapes = torch.empty(input_shape, device="meta"), []
    for layer in layers:
        x = layer(x)
        shapes.append(tuple(x.shape))
    return shapes
""",
}

# The dispatcher's own entry points: no Python name the old guard swapped is used at all.
TORCH_OPS_ATEN = {
    "corr2d": """
def corr2d(X, K):
    return torch.ops.aten.convolution(X[None, None], K[None, None], None, [1, 1], [0, 0],
                                      [1, 1], False, [0, 0], 1)[0, 0]
""",
    "corr2d_multi_in_out": """
def corr2d_multi_in_out(X, K):
    return torch._C._VariableFunctions.conv2d(X[None], K)[0]
""",
    "conv1x1_as_matmul": """
def conv1x1_as_matmul(X, weight, bias):
    return torch.ops.aten.convolution(X, weight, bias, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
""",
    "im2col": """
def im2col(X, k, s=1, p=0):
    return torch._C._nn.im2col(X, [k, k], [1, 1], [p, p], [s, s])
""",
}

# Switching the guard off from inside: the dispatch mode popped, then the library.
SWITCHED_OFF = {
    "corr2d": """
import torch.utils._python_dispatch as _pd
_saved_conv = F.conv2d
def corr2d(X, K):
    _pd._pop_mode()
    return _saved_conv(X[None, None], K[None, None])[0, 0]
""",
    "numerical_gradient": SAVED_REFERENCE["numerical_gradient"],
}

# By hand, but not the solution's way: views and einsum, no_grad, a loop over channels.
HONEST_VARIANTS = {
    "corr2d": """
def corr2d(X, K):
    windows = X.unfold(0, K.shape[0], 1).unfold(1, K.shape[1], 1)   # a view, not F.unfold
    return torch.einsum("ijkl,kl->ij", windows, K)
""",
    "pool2d": """
def pool2d(X, k, s=None, p=0, mode="max"):
    s = k if s is None else s
    Xp = F.pad(X, (p, p, p, p), value=float("-inf") if mode == "max" else 0.0)
    windows = Xp.unfold(2, k, s).unfold(3, k, s)                   # (N, C, H', W', k, k)
    return windows.amax(dim=(-2, -1)) if mode == "max" else windows.mean(dim=(-2, -1))
""",
    "numerical_gradient": """
def numerical_gradient(f, x, dout, eps=1e-6):
    with torch.no_grad():
        grad = torch.zeros_like(x)
        for index in range(x.numel()):
            step = torch.zeros_like(x).view(-1)
            step[index] = eps
            step = step.view(x.shape)
            grad.view(-1)[index] = ((f(x + step) - f(x - step)) * dout).sum() / (2 * eps)
    return grad
""",
}
