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
    assert old in _BATCH_NORM, old  # the edit must apply, or the probe tests nothing
    return _BATCH_NORM.replace(old, new)


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
