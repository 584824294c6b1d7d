from tests.wrong_answers import swapped

SLUG = "07_modern_cnns"
# The lecture notes' mistake: the running variance is updated with the biased batch variance
# (PyTorch stores the unbiased one, m / (m - 1) times larger).
WRONG = (
    "batch_norm",
    """def batch_norm(X, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    dims = (0,) if X.dim() == 2 else (0, 2, 3)
    shape = (1, -1) if X.dim() == 2 else (1, -1, 1, 1)
    if training:
        if X.numel() // X.shape[1] < 2:
            raise ValueError("batch norm needs more than 1 value per channel")
        mean = X.mean(dim=dims)
        var = ((X - mean.reshape(shape)) ** 2).mean(dim=dims)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean, running_var
    X_hat = (X - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * X_hat + beta.reshape(shape), new_mean, new_var
""",
)

# The instructor's batch_norm, from which the mistakes below are made one edit each.
_BATCH_NORM = """def batch_norm(X, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    dims = (0,) if X.dim() == 2 else (0, 2, 3)
    shape = (1, -1) if X.dim() == 2 else (1, -1, 1, 1)
    if training:
        m = X.numel() // X.shape[1]
        if m < 2:
            raise ValueError("batch norm needs more than 1 value per channel")
        mean = X.mean(dim=dims)
        var = ((X - mean.reshape(shape)) ** 2).mean(dim=dims)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean, running_var
    X_hat = (X - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    return gamma.reshape(shape) * X_hat + beta.reshape(shape), new_mean, new_var
"""


def _edited(old: str, new: str) -> str:
    return swapped(_BATCH_NORM, old, new)


# Plausible mistakes the *visible* tests must catch (the book-wide rule 3 test):
# (grade_id, the mistake, the answer cell's source).
CAUGHT_BY_VISIBLE_TESTS = [
    ("batch_norm", "the running variance updated with the biased batch variance", WRONG[1]),
    (
        "batch_norm",
        "divided by the variance instead of the standard deviation (the notes' formula)",
        _edited("torch.sqrt(var.reshape(shape) + eps)", "(var.reshape(shape) + eps)"),
    ),
    (
        "batch_norm",
        "evaluation mode normalises with the batch's own statistics",
        _edited(
            "        mean, var = running_mean, running_var\n",
            "        mean = X.mean(dim=dims)\n"
            "        var = ((X - mean.reshape(shape)) ** 2).mean(dim=dims)\n",
        ),
    ),
]


# batch_norm_backward (exercise 6) as the solution writes it; mistakes are one line swapped each.
_BN_BACKWARD = (
    'x_hat, xc, std, gamma = cache["x_hat"], cache["xc"], cache["std"], cache["gamma"]',
    'dims, m = cache["dims"], cache["m"]',
    "dbeta = dout.sum(dim=dims)",
    "dgamma = (dout * x_hat).sum(dim=dims)",
    "dx_hat = dout * gamma",
    "dstd = (dx_hat * -xc / std ** 2).sum(dim=dims, keepdim=True)",
    "dvar = dstd / (2 * std)",
    "dxc = dx_hat / std + dvar * 2 * xc / m",
    "dmu = -dxc.sum(dim=dims, keepdim=True)",
    "dX = dxc + dmu / m",
    "return dX, dgamma, dbeta",
)


def _bn_backward(name: str, replace: dict) -> str:
    body = [replace.get(line, line) for line in _BN_BACKWARD]
    assert body != list(_BN_BACKWARD), "a planted mistake must change the solution"
    return f"def {name}(dout, cache):\n" + "".join(f"    {line}\n" for line in body)


# The fast form with one term of the closed form left out or misplaced.
def _bn_fast(dx_line: str) -> str:
    return (
        "def batch_norm_backward_fast(dout, cache):\n"
        '    x_hat, std, gamma, dims = cache["x_hat"], cache["std"], cache["gamma"], cache["dims"]\n'
        "    g_mean = dout.mean(dim=dims, keepdim=True)\n"
        "    gx_mean = (dout * x_hat).mean(dim=dims, keepdim=True)\n"
        f"    dX = {dx_line}\n"
        "    return dX, (dout * x_hat).sum(dim=dims), dout.sum(dim=dims)\n"
    )


_SHORTCUT = """def zero_pad_shortcut(x, out_channels, stride):
    sub = x[:, :, ::stride, ::stride]
    zeros = sub.new_zeros(sub.shape[0], out_channels - sub.shape[1], *sub.shape[2:])
    return torch.cat((sub, zeros), dim=1)
"""

CAUGHT_BY_VISIBLE_TESTS += [
    (
        "batch_norm_backward",
        "the mean and the std treated as constants: dX = gamma * dout / std",
        _bn_backward("batch_norm_backward", {"dX = dxc + dmu / m": "dX = dx_hat / std"}),
    ),
    (
        "batch_norm_backward",
        "dX without the path through the mean",
        _bn_backward("batch_norm_backward", {"dX = dxc + dmu / m": "dX = dxc"}),
    ),
    (
        "batch_norm_backward",
        "dgamma and dbeta summed over the batch axis only (wrong on 4-D inputs)",
        _bn_backward(
            "batch_norm_backward",
            {
                "dbeta = dout.sum(dim=dims)": "dbeta = dout.sum(dim=0)",
                "dgamma = (dout * x_hat).sum(dim=dims)": "dgamma = (dout * x_hat).sum(dim=0)",
            },
        ),
    ),
    (
        "batch_norm_backward",
        "the variance's gradient divided by N instead of m = N*H*W",
        _bn_backward(
            "batch_norm_backward",
            {
                "dxc = dx_hat / std + dvar * 2 * xc / m": "dxc = dx_hat / std + dvar * 2 * xc / dout.shape[0]"
            },
        ),
    ),
    (
        "batch_norm_backward_fast",
        "the closed form without the mean of the upstream gradient",
        _bn_fast("gamma / std * (dout - x_hat * gx_mean)"),
    ),
    (
        "batch_norm_backward_fast",
        "the closed form without its x_hat term",
        _bn_fast("gamma / std * (dout - g_mean)"),
    ),
    (
        "zero_pad_shortcut",
        "the zero channels put before the input's",
        _SHORTCUT.replace("torch.cat((sub, zeros), dim=1)", "torch.cat((zeros, sub), dim=1)"),
    ),
    (
        "zero_pad_shortcut",
        "subsampled with floor(H / stride) rows (wrong for odd sizes)",
        _SHORTCUT.replace(
            "sub = x[:, :, ::stride, ::stride]",
            "sub = x[:, :, : x.shape[2] // stride * stride : stride, : x.shape[3] // stride * stride : stride]",
        ),
    ),
]
