SLUG = "05_convolution"
# The lecture notes' formula: no dilation term, so a dilated kernel's span is undercounted.
WRONG = (
    "conv_output_size",
    "def conv_output_size(n, k, p=0, s=1, d=1):\n    return (n + 2 * p - k) // s + 1\n",
)


def _answer(signature: str, *body: str) -> str:
    return "def " + signature + ":\n" + "".join(f"    {line}\n" for line in body)


_POOL_BODY = (
    "ho, wo = (X.shape[2] + 2 * p - k) // s + 1, (X.shape[3] + 2 * p - k) // s + 1",
    "Y = torch.zeros(X.shape[0], X.shape[1], ho, wo)",
    "for i in range(ho):",
    "    for j in range(wo):",
    "        win = Xp[:, :, i * s:i * s + k, j * s:j * s + k]",
    "        Y[:, :, i, j] = win.amax(dim=(2, 3)) if mode == 'max' else win.mean(dim=(2, 3))",
    "return Y",
)
_LEARN_HEAD = (
    "K = torch.zeros(1, 1, *kernel_shape, requires_grad=True)",
    "for _ in range(steps):",
    "    loss = ((F.conv2d(X, K) - Y) ** 2).mean()",
    "    loss.backward()",
    "    with torch.no_grad():",
    "        K -= lr * K.grad",
)

# Plausible mistakes the *visible* tests must catch (the book-wide rule 3 test):
# (grade_id, the mistake, the answer cell's source).
CAUGHT_BY_VISIBLE_TESTS = [
    (
        "corr2d",
        "kernel height and width swapped",
        _answer(
            "corr2d(X, K)",
            "w, h = K.shape",
            "Y = torch.zeros(X.shape[0] - h + 1, X.shape[1] - w + 1)",
            "for i in range(Y.shape[0]):",
            "    for j in range(Y.shape[1]):",
            "        Y[i, j] = (X[i:i + h, j:j + w] * K).sum()",
            "return Y",
        ),
    ),
    (
        "corr2d",
        "F.conv2d instead of writing it",
        _answer("corr2d(X, K)", "return F.conv2d(X[None, None], K[None, None])[0, 0]"),
    ),
    (
        "learn_kernel",
        "K.grad never zeroed: gradients of earlier steps add up",
        _answer(
            "learn_kernel(X, Y, kernel_shape, lr, steps)",
            *_LEARN_HEAD,
            "return K.detach().reshape(kernel_shape)",
        ),
    ),
    (
        "learn_kernel",
        "returns the kernel still tracking gradients",
        _answer(
            "learn_kernel(X, Y, kernel_shape, lr, steps)",
            *_LEARN_HEAD,
            "        K.grad.zero_()",
            "return K.reshape(kernel_shape)",
        ),
    ),
    ("conv_output_size", "the notes' formula without dilation", WRONG[1]),
    (
        "conv_output_size",
        "true division: no floor",
        _answer(
            "conv_output_size(n, k, p=0, s=1, d=1)", "return (n + 2 * p - d * (k - 1) - 1) / s + 1"
        ),
    ),
    (
        "conv_output_size",
        "round instead of floor",
        _answer(
            "conv_output_size(n, k, p=0, s=1, d=1)",
            "return round((n + 2 * p - d * (k - 1) - 1) / s) + 1",
        ),
    ),
    (
        "conv2d_cost",
        "groups ignored and a bias always counted",
        _answer(
            "conv2d_cost(conv, input_shape)",
            "n, c_in, h, w = input_shape",
            "per = c_in * conv.kernel_size[0] * conv.kernel_size[1]",
            "oh = [(a + 2 * p - d * (k - 1) - 1) // s + 1 for a, k, p, s, d in zip((h, w), "
            "conv.kernel_size, conv.padding, conv.stride, conv.dilation)]",
            "return conv.out_channels * (per + 1), n * conv.out_channels * oh[0] * oh[1] * per",
        ),
    ),
    (
        "conv2d_cost",
        "multiply-adds of one image, not the batch",
        _answer(
            "conv2d_cost(conv, input_shape)",
            "n, c_in, h, w = input_shape",
            "per = c_in // conv.groups * conv.kernel_size[0] * conv.kernel_size[1]",
            "bias = conv.out_channels if conv.bias is not None else 0",
            "oh = [(a + 2 * p - d * (k - 1) - 1) // s + 1 for a, k, p, s, d in zip((h, w), "
            "conv.kernel_size, conv.padding, conv.stride, conv.dilation)]",
            "return conv.out_channels * per + bias, conv.out_channels * oh[0] * oh[1] * per",
        ),
    ),
    (
        "corr2d_multi_in_out",
        "the offsets (a, b) applied to the wrong axes",
        _answer(
            "corr2d_multi_in_out(X, K)",
            "c_out, _, k_h, k_w = K.shape",
            "h_out, w_out = X.shape[1] - k_h + 1, X.shape[2] - k_w + 1",
            "Y = torch.zeros(c_out, h_out, w_out)",
            "for a in range(k_h):",
            "    for b in range(k_w):",
            "        Y += torch.einsum('oc,chw->ohw', K[:, :, a, b], "
            "X[:, b:b + h_out, a:a + w_out])",
            "return Y",
        ),
    ),
    (
        "conv1x1_as_matmul",
        "X.reshape(-1, C_in) without moving the channel axis last",
        _answer(
            "conv1x1_as_matmul(X, weight, bias)",
            "n, c, h, w = X.shape",
            "out = X.reshape(-1, c) @ weight.reshape(-1, c).T + bias",
            "return out.reshape(n, -1, h, w)",
        ),
    ),
    (
        "receptive_field",
        "strides below ignored (no jump)",
        _answer(
            "receptive_field(layers)",
            "f = 1",
            "for k, s, d in layers:",
            "    f += d * (k - 1)",
            "return f",
        ),
    ),
    (
        "receptive_field",
        "dilation ignored",
        _answer(
            "receptive_field(layers)",
            "f, j = 1, 1",
            "for k, s, d in layers:",
            "    f += (k - 1) * j",
            "    j *= s",
            "return f",
        ),
    ),
    (
        "pool2d",
        "max pooling padded with zeros instead of -inf",
        _answer(
            "pool2d(X, k, s=None, p=0, mode='max')",
            "s = k if s is None else s",
            "Xp = F.pad(X, (p, p, p, p))",
            *_POOL_BODY,
        ),
    ),
    (
        "pool2d",
        "stride defaults to 1 (the notes' pool2d) instead of the window size",
        _answer(
            "pool2d(X, k, s=1, p=0, mode='max')",
            "s = k if s is None else s",
            "Xp = F.pad(X, (p, p, p, p), value=float('-inf') if mode == 'max' else 0.0)",
            *_POOL_BODY,
        ),
    ),
    (
        "pool2d",
        "PyTorch's pooling layers instead of writing it",
        _answer(
            "pool2d(X, k, s=None, p=0, mode='max')",
            "return (nn.MaxPool2d(k, s, p) if mode == 'max' else nn.AvgPool2d(k, s, p))(X)",
        ),
    ),
    (
        "maxpool_backward",
        "autograd instead of the gradient by hand",
        _answer(
            "maxpool_backward(X, grad_out, k)",
            "leaf = X.detach().clone().requires_grad_(True)",
            "F.max_pool2d(leaf, k).backward(grad_out)",
            "return leaf.grad",
        ),
    ),
    (
        "maxpool_backward",
        "the gradient spread evenly (average pooling's rule)",
        _answer(
            "maxpool_backward(X, grad_out, k)",
            "return grad_out.repeat_interleave(k, 2).repeat_interleave(k, 3) / (k * k)",
        ),
    ),
    (
        "im2col",
        "rows ordered by kernel offset first, channel second",
        _answer(
            "im2col(X, k, s=1, p=0)",
            "n, c, h, w = X.shape",
            "Xp = F.pad(X, (p, p, p, p))",
            "ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1",
            "cols = torch.empty(n, k, k, c, ho, wo)",
            "for a in range(k):",
            "    for b in range(k):",
            "        cols[:, a, b] = Xp[:, :, a:a + s * (ho - 1) + 1:s, b:b + s * (wo - 1) + 1:s]",
            "return cols.reshape(n, c * k * k, ho * wo)",
        ),
    ),
    (
        "predict_shapes",
        "dilation ignored",
        _answer(
            "predict_shapes(layers, input_shape)",
            "pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)",
            "shape, out = tuple(input_shape), []",
            "for layer in layers:",
            "    if isinstance(layer, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):",
            "        k, s, p = pair(layer.kernel_size), pair(layer.stride), pair(layer.padding)",
            "        h, w = ((n + 2 * q - m) // t + 1 for n, m, t, q in zip(shape[2:], k, s, p))",
            "        c = layer.out_channels if isinstance(layer, nn.Conv2d) else shape[1]",
            "        shape = (shape[0], c, h, w)",
            "    elif isinstance(layer, nn.Flatten):",
            "        shape = (shape[0], shape[1] * shape[2] * shape[3])",
            "    elif isinstance(layer, nn.Linear):",
            "        shape = (shape[0], layer.out_features)",
            "    out.append(shape)",
            "return out",
        ),
    ),
    (
        "predict_shapes",
        "runs the layers instead of computing the shapes",
        _answer(
            "predict_shapes(layers, input_shape)",
            "x, out = torch.zeros(input_shape), []",
            "for layer in layers:",
            "    x = layer(x)",
            "    out.append(tuple(x.shape))",
            "return out",
        ),
    ),
]
