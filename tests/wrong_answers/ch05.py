SLUG = "05_convolution"


def _answer(signature: str, *body: str) -> str:
    return "def " + signature + ":\n" + "".join(f"    {line}\n" for line in body)


# conv_backward (exercise 11) as the solution writes it, with one line swapped for a mistake.
_CONV_BACKWARD = (
    "_, _, h, w = X.shape",
    "_, _, k_h, k_w = W.shape",
    "Xp = F.pad(X, (pad, pad, pad, pad))",
    "dXp, dW = torch.zeros_like(Xp), torch.zeros_like(W)",
    "for i in range(dout.shape[2]):",
    "    for j in range(dout.shape[3]):",
    "        rows = slice(i * stride, i * stride + k_h)",
    "        cols = slice(j * stride, j * stride + k_w)",
    "        g = dout[:, :, i, j]",
    "        dW += torch.einsum('nf,nchw->fchw', g, Xp[:, :, rows, cols])",
    "        dXp[:, :, rows, cols] += torch.einsum('nf,fchw->nchw', g, W)",
    "db = dout.sum(dim=(0, 2, 3))",
    "return dXp[:, :, pad:pad + h, pad:pad + w], dW, db",
)
_CONV_BACKWARD_SIGNATURE = "conv_backward(dout, X, W, stride=1, pad=0)"


def _conv_backward(replace: dict) -> str:
    """The solution's conv_backward with the lines in `replace` (old line -> new line) swapped."""
    body = [replace.get(line, line) for line in _CONV_BACKWARD]
    assert body != list(_CONV_BACKWARD), "a planted mistake must change the solution"
    return _answer(_CONV_BACKWARD_SIGNATURE, *body)


# The scatter of dX ignores the stride: window (i, j) is written back at row i, not i * stride.
WRONG = (
    "conv_backward",
    _conv_backward(
        {
            "        dXp[:, :, rows, cols] += torch.einsum('nf,fchw->nchw', g, W)": (
                "        dXp[:, :, i:i + k_h, j:j + k_w] += torch.einsum('nf,fchw->nchw', g, W)"
            )
        }
    ),
)

_MAXPOOL_SIGNATURE = "maxpool_backward(X, grad_out, k, s=None, p=0)"
_MAXPOOL_HEAD = (
    "s = k if s is None else s",
    "n, c, h, w = X.shape",
    "Xp = F.pad(X, (p, p, p, p), value=float('-inf'))",
    "dXp = torch.zeros_like(Xp)",
    "for i in range(grad_out.shape[2]):",
    "    for j in range(grad_out.shape[3]):",
    "        window = Xp[:, :, i * s:i * s + k, j * s:j * s + k]",
)
_FIRST_MAX = (
    "        first = window.reshape(n, c, k * k).argmax(dim=2)",
    "        winner = F.one_hot(first, k * k).reshape(n, c, k, k).to(X.dtype)",
)
_SCATTER = "        dXp[:, :, i * s:i * s + k, j * s:j * s + k] += winner * grad_out[:, :, i, j, None, None]"
_CROP = "return dXp[:, :, p:p + h, p:p + w]"

_NUMERICAL_SIGNATURE = "numerical_gradient(f, x, dout, eps=1e-6)"


def _numerical(plus_minus: tuple, restore: str = "    flat_x[index] = original") -> str:
    """numerical_gradient with the two evaluations and the quotient given."""
    return _answer(
        _NUMERICAL_SIGNATURE,
        "grad = torch.zeros_like(x)",
        "flat_x, flat_grad = x.view(-1), grad.view(-1)",
        "for index in range(flat_x.numel()):",
        "    original = flat_x[index].item()",
        *plus_minus,
        restore,
        "return grad",
    )


_CENTRAL = (
    "    flat_x[index] = original + eps",
    "    plus = (f(x) * dout).sum()",
    "    flat_x[index] = original - eps",
    "    minus = (f(x) * dout).sum()",
)
_SIZES_SIGNATURE = "input_sizes(n_out, k, p=0, s=1, d=1)"
_SMALLEST = "smallest = (n_out - 1) * s + d * (k - 1) + 1 - 2 * p"

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
    (
        "input_sizes",
        "one size only: the floor's range of s sizes ignored",
        _answer(_SIZES_SIGNATURE, _SMALLEST, "return [max(smallest, 1)]"),
    ),
    (
        "input_sizes",
        "the notes' formula without dilation",
        _answer(
            _SIZES_SIGNATURE,
            "smallest = (n_out - 1) * s + k - 2 * p",
            "return list(range(max(smallest, 1), smallest + s))",
        ),
    ),
    (
        "input_sizes",
        "one size too many (s + 1 of them)",
        _answer(
            _SIZES_SIGNATURE, _SMALLEST, "return list(range(max(smallest, 1), smallest + s + 1))"
        ),
    ),
    (
        "input_sizes",
        "lengths below 1 kept",
        _answer(_SIZES_SIGNATURE, _SMALLEST, "return list(range(smallest, smallest + s))"),
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
        "conv2d_cost",
        "runs the layer to count its outputs",
        _answer(
            "conv2d_cost(conv, input_shape)",
            "out = conv(torch.zeros(input_shape))",
            "return sum(t.numel() for t in conv.parameters()), out.numel() * conv.weight[0].numel()",
        ),
    ),
    (
        "corr2d_multi_in_out",
        "a loop over output pixels instead of kernel offsets",
        _answer(
            "corr2d_multi_in_out(X, K)",
            "c_out, _, k_h, k_w = K.shape",
            "h_out, w_out = X.shape[1] - k_h + 1, X.shape[2] - k_w + 1",
            "Y = torch.zeros(c_out, h_out, w_out, dtype=X.dtype)",
            "for i in range(h_out):",
            "    for j in range(w_out):",
            "        Y[:, i, j] = torch.einsum('ochw,chw->o', K, X[:, i:i + k_h, j:j + k_w])",
            "return Y",
        ),
    ),
    (
        "corr2d_multi_in_out",
        "loops over both channel axes and the offsets",
        _answer(
            "corr2d_multi_in_out(X, K)",
            "c_out, c_in, k_h, k_w = K.shape",
            "h_out, w_out = X.shape[1] - k_h + 1, X.shape[2] - k_w + 1",
            "Y = torch.zeros(c_out, h_out, w_out, dtype=X.dtype)",
            "for o in range(c_out):",
            "    for c in range(c_in):",
            "        for a in range(k_h):",
            "            for b in range(k_w):",
            "                Y[o] += K[o, c, a, b] * X[c, a:a + h_out, b:b + w_out]",
            "return Y",
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
        "numerical_gradient",
        "a one-sided difference (f(x + eps) - f(x)) / eps",
        _numerical(
            (
                "    flat_x[index] = original + eps",
                "    plus = (f(x) * dout).sum()",
                "    flat_x[index] = original",
                "    minus = (f(x) * dout).sum()",
                "    flat_grad[index] = (plus - minus) / eps",
            )
        ),
    ),
    (
        "numerical_gradient",
        "divides by eps instead of 2 * eps",
        _numerical((*_CENTRAL, "    flat_grad[index] = (plus - minus) / eps")),
    ),
    (
        "numerical_gradient",
        "the upstream gradient dout left out: the gradient of f(x).sum()",
        _numerical(
            (
                "    flat_x[index] = original + eps",
                "    plus = f(x).sum()",
                "    flat_x[index] = original - eps",
                "    minus = f(x).sum()",
                "    flat_grad[index] = (plus - minus) / (2 * eps)",
            )
        ),
    ),
    (
        "numerical_gradient",
        "x left perturbed (never written back)",
        _numerical((*_CENTRAL, "    flat_grad[index] = (plus - minus) / (2 * eps)"), restore=""),
    ),
    (
        "numerical_gradient",
        "every entry perturbed at once",
        _answer(
            _NUMERICAL_SIGNATURE,
            "plus = (f(x + eps) * dout).sum()",
            "minus = (f(x - eps) * dout).sum()",
            "return torch.full_like(x, float((plus - minus) / (2 * eps)))",
        ),
    ),
    (
        "numerical_gradient",
        "autograd instead of central differences",
        _answer(
            _NUMERICAL_SIGNATURE,
            "leaf = x.detach().clone().requires_grad_(True)",
            "(f(leaf) * dout).sum().backward()",
            "return leaf.grad",
        ),
    ),
    ("conv_backward", "the stride ignored where dX is scattered back", WRONG[1]),
    (
        "conv_backward",
        "the padding left on dX",
        _conv_backward({_CONV_BACKWARD[-1]: "return dXp, dW, db"}),
    ),
    (
        "conv_backward",
        "db summed over the wrong axes (per image, not over the batch)",
        _conv_backward({"db = dout.sum(dim=(0, 2, 3))": "db = dout.sum(dim=(2, 3))"}),
    ),
    (
        "conv_backward",
        "dW flipped, as if the weight gradient were a true convolution",
        _conv_backward(
            {_CONV_BACKWARD[-1]: "return dXp[:, :, pad:pad + h, pad:pad + w], dW.flip(2, 3), db"}
        ),
    ),
    (
        "conv_backward",
        "dW built as (C, F, k_h, k_w) and reshaped instead of transposed",
        _conv_backward(
            {
                "dXp, dW = torch.zeros_like(Xp), torch.zeros_like(W)": (
                    "dXp, dW = torch.zeros_like(Xp), torch.zeros_like(W.transpose(0, 1))"
                ),
                "        dW += torch.einsum('nf,nchw->fchw', g, Xp[:, :, rows, cols])": (
                    "        dW += torch.einsum('nf,nchw->cfhw', g, Xp[:, :, rows, cols])"
                ),
                _CONV_BACKWARD[-1]: (
                    "return dXp[:, :, pad:pad + h, pad:pad + w], dW.reshape(W.shape), db"
                ),
            }
        ),
    ),
    (
        "conv_backward",
        "the kernel flipped in the scatter of dX",
        _conv_backward(
            {
                "        dXp[:, :, rows, cols] += torch.einsum('nf,fchw->nchw', g, W)": (
                    "        dXp[:, :, rows, cols] += torch.einsum('nf,fchw->nchw', g, W.flip(2, 3))"
                )
            }
        ),
    ),
    (
        "conv_backward",
        "dX as a full correlation of the dilated gradient, the kernel not flipped",
        _answer(
            _CONV_BACKWARD_SIGNATURE,
            "n, c, h, w = X.shape",
            "f, _, k_h, k_w = W.shape",
            "h_out, w_out = dout.shape[2], dout.shape[3]",
            "spread = torch.zeros(n, f, (h_out - 1) * stride + 1, (w_out - 1) * stride + 1, "
            "dtype=X.dtype)",
            "spread[:, :, ::stride, ::stride] = dout",
            "Gp = F.pad(spread, (k_w - 1, k_w - 1, k_h - 1, k_h - 1))",
            "K = W.transpose(0, 1)  # (C, F, k_h, k_w); the flip(2, 3) is missing",
            "dXp = torch.zeros(n, c, h + 2 * pad, w + 2 * pad, dtype=X.dtype)",
            "for r in range((h_out - 1) * stride + k_h):",
            "    for t in range((w_out - 1) * stride + k_w):",
            "        dXp[:, :, r, t] = torch.einsum('nfhw,cfhw->nc', "
            "Gp[:, :, r:r + k_h, t:t + k_w], K)",
            "Xp = F.pad(X, (pad, pad, pad, pad))",
            "dW = torch.zeros_like(W)",
            "for i in range(h_out):",
            "    for j in range(w_out):",
            "        dW += torch.einsum('nf,nchw->fchw', dout[:, :, i, j], "
            "Xp[:, :, i * stride:i * stride + k_h, j * stride:j * stride + k_w])",
            "return dXp[:, :, pad:pad + h, pad:pad + w], dW, dout.sum(dim=(0, 2, 3))",
        ),
    ),
    (
        "conv_backward",
        "float32 accumulators for float64 inputs",
        _conv_backward(
            {
                "dXp, dW = torch.zeros_like(Xp), torch.zeros_like(W)": (
                    "dXp, dW = torch.zeros(Xp.shape), torch.zeros(W.shape)"
                )
            }
        ),
    ),
    (
        "conv_backward",
        "autograd instead of the gradient by hand",
        _answer(
            _CONV_BACKWARD_SIGNATURE,
            "Xl, Wl = X.detach().clone().requires_grad_(True), W.detach().clone().requires_grad_(True)",
            "bl = torch.zeros(W.shape[0], dtype=X.dtype, requires_grad=True)",
            "F.conv2d(Xl, Wl, bl, stride=stride, padding=pad).backward(dout)",
            "return Xl.grad, Wl.grad, bl.grad",
        ),
    ),
    (
        "conv_backward",
        "PyTorch's own convolution gradients",
        _answer(
            _CONV_BACKWARD_SIGNATURE,
            "dX = torch.nn.grad.conv2d_input(X.shape, W, dout, stride=stride, padding=pad)",
            "dW = torch.nn.grad.conv2d_weight(X, W.shape, dout, stride=stride, padding=pad)",
            "return dX, dW, dout.sum(dim=(0, 2, 3))",
        ),
    ),
    (
        "maxpool_backward",
        "every tied entry gets the gradient",
        _answer(
            _MAXPOOL_SIGNATURE,
            *_MAXPOOL_HEAD,
            "        winner = (window == window.amax(dim=(2, 3), keepdim=True)).to(X.dtype)",
            _SCATTER,
            _CROP,
        ),
    ),
    (
        "maxpool_backward",
        "the last of the tied entries instead of the first",
        _answer(
            _MAXPOOL_SIGNATURE,
            *_MAXPOOL_HEAD,
            "        last = k * k - 1 - window.reshape(n, c, k * k).flip(2).argmax(dim=2)",
            "        winner = F.one_hot(last, k * k).reshape(n, c, k, k).to(X.dtype)",
            _SCATTER,
            _CROP,
        ),
    ),
    (
        "maxpool_backward",
        "every entry of the window gets the gradient",
        _answer(
            _MAXPOOL_SIGNATURE,
            *_MAXPOOL_HEAD,
            "        winner = torch.ones_like(window)",
            _SCATTER,
            _CROP,
        ),
    ),
    (
        "maxpool_backward",
        "the gradient spread evenly (average pooling's rule)",
        _answer(
            _MAXPOOL_SIGNATURE,
            *_MAXPOOL_HEAD,
            "        winner = torch.ones_like(window) / (k * k)",
            _SCATTER,
            _CROP,
        ),
    ),
    (
        "maxpool_backward",
        "overlapping windows overwrite each other instead of adding up",
        _answer(
            _MAXPOOL_SIGNATURE,
            *_MAXPOOL_HEAD,
            *_FIRST_MAX,
            "        dXp[:, :, i * s:i * s + k, j * s:j * s + k] = winner * grad_out[:, :, i, j, None, None]",
            _CROP,
        ),
    ),
    (
        "maxpool_backward",
        "the padding left on dX",
        _answer(_MAXPOOL_SIGNATURE, *_MAXPOOL_HEAD, *_FIRST_MAX, _SCATTER, "return dXp"),
    ),
    (
        "maxpool_backward",
        "stride = window assumed (no overlap, no padding)",
        _answer(
            _MAXPOOL_SIGNATURE,
            "n, c, h, w = X.shape",
            "windows = X.reshape(n, c, h // k, k, w // k, k)",
            "flat = windows.permute(0, 1, 2, 4, 3, 5).reshape(n, c, h // k, w // k, k * k)",
            "winner = F.one_hot(flat.argmax(dim=-1), k * k).to(X.dtype)",
            "spread = (winner * grad_out[..., None]).reshape(n, c, h // k, w // k, k, k)",
            "return spread.permute(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)",
        ),
    ),
    (
        "maxpool_backward",
        "autograd instead of the gradient by hand",
        _answer(
            _MAXPOOL_SIGNATURE,
            "leaf = X.detach().clone().requires_grad_(True)",
            "F.max_pool2d(leaf, k, s, p).backward(grad_out)",
            "return leaf.grad",
        ),
    ),
    (
        "maxpool_backward",
        "PyTorch's pooling indices instead of finding the maxima",
        _answer(
            _MAXPOOL_SIGNATURE,
            "_, idx = F.max_pool2d_with_indices(X, k, s, p)",
            "dX = torch.zeros_like(X).flatten(2)",
            "dX.scatter_add_(2, idx.flatten(2), grad_out.flatten(2))",
            "return dX.reshape(X.shape)",
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
