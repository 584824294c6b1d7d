SLUG = "04_training"
# The classic evaluation bug: averages the per-batch mean losses and accuracies, so a partial
# last batch weighs as much as a full one (everything else -- eval mode, no_grad, restoring
# each submodule's mode -- is right).
WRONG = (
    "evaluate",
    """def evaluate(net, data_iter, loss_fn):
    modes = {m: m.training for m in net.modules()}
    net.eval()
    losses, accuracies = [], []
    with torch.no_grad():
        for X, y in data_iter:
            logits = net(X)
            losses.append(loss_fn(logits, y).item())
            accuracies.append((logits.argmax(dim=1) == y).float().mean().item())
    for m, mode in modes.items():
        m.training = mode
    return sum(losses) / len(losses), sum(accuracies) / len(accuracies)
""",
)


def _evaluate(restore_before: str, restore_after: str, batch_means: bool = False) -> str:
    """An evaluate answer with the given mode handling (and optionally the batch-mean bug)."""
    if batch_means:
        loop = """    losses, accs = [], []
    with torch.no_grad():
        for X, y in data_iter:
            logits = net(X)
            losses.append(loss_fn(logits, y).item())
            accs.append((logits.argmax(dim=1) == y).float().mean().item())
"""
        result = "    return sum(losses) / len(losses), sum(accs) / len(accs)\n"
    else:
        loop = """    loss_sum, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for X, y in data_iter:
            logits = net(X)
            loss_sum += loss_fn(logits, y).item() * len(y)
            correct += (logits.argmax(dim=1) == y).sum().item()
            count += len(y)
"""
        result = "    return loss_sum / count, correct / count\n"
    return (
        "def evaluate(net, data_iter, loss_fn):\n"
        + "".join(f"    {line}\n" for line in restore_before.splitlines())
        + loop
        + "".join(f"    {line}\n" for line in restore_after.splitlines())
        + result
    )


_PER_MODULE = (
    "modes = {m: m.training for m in net.modules()}\nnet.eval()",
    "for m, mode in modes.items():\n    m.training = mode",
)

# Plausible mistakes the *visible* tests must catch (the book-wide rule 3 test):
# (grade_id, the mistake, the answer cell's source).
CAUGHT_BY_VISIBLE_TESTS = [
    (
        "evaluate",
        "net.train(was_training) at the end: flattens a part frozen in eval mode",
        _evaluate("was_training = net.training\nnet.eval()", "net.train(was_training)"),
    ),
    (
        "evaluate",
        "the mean of the batch means (a partial last batch counts as much as a full one)",
        _evaluate(*_PER_MODULE, batch_means=True),
    ),
    (
        "evaluate",
        "no net.eval(): dropout stays on while evaluating",
        _evaluate("modes = {m: m.training for m in net.modules()}", _PER_MODULE[1]),
    ),
    (
        "softmax_cross_entropy",
        "the library's F.cross_entropy and softmax instead of the formulas",
        """def softmax_cross_entropy(logits, y):
    loss = F.cross_entropy(logits, y)
    grad = (torch.softmax(logits, dim=1) - F.one_hot(y, logits.shape[1])) / len(y)
    return loss, grad
""",
    ),
    (
        "softmax_cross_entropy",
        "log_softmax as a tensor method",
        """def softmax_cross_entropy(logits, y):
    logp = logits.log_softmax(dim=1)
    rows = torch.arange(len(y))
    grad = logp.exp()
    grad[rows, y] -= 1
    return -logp[rows, y].mean(), grad / len(y)
""",
    ),
    (
        "dropout_variance",
        "E[h'^2] without subtracting E[h']^2",
        "def dropout_variance(h, p):\n    return h ** 2 / (1 - p)\n",
    ),
    (
        "dropout_variance",
        "the variance of the mask alone, p (1 - p), times h^2",
        "def dropout_variance(h, p):\n    return h ** 2 * p * (1 - p)\n",
    ),
    (
        "layer_norm",
        "F.layer_norm does the work",
        """class LayerNorm1d(nn.Module):
    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))

    def forward(self, x):
        return F.layer_norm(x, x.shape[1:], self.weight, self.bias, self.eps)
""",
    ),
    (
        "sgd_momentum_step",
        "torch.optim.SGD does the step",
        """def sgd_momentum_step(params, grads, buffers, lr, momentum=0.0, weight_decay=0.0):
    opt = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    for p, g, b in zip(params, grads, buffers):
        p.grad = g
        if b is not None:
            opt.state[p]["momentum_buffer"] = b
    opt.step()
    return [opt.state[p].get("momentum_buffer") for p in params]
""",
    ),
    (
        "adam_step",
        "torch.optim.Adam does the step",
        """def adam_step(params, grads, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    opt = torch.optim.Adam(params, lr=lr, betas=betas, eps=eps)
    state["step"] += 1
    for i, (p, g) in enumerate(zip(params, grads)):
        p.grad = g
        opt.state[p] = {"step": torch.tensor(float(state["step"] - 1)),
                        "exp_avg": state["m"][i], "exp_avg_sq": state["v"][i]}
    opt.step()
""",
    ),
    (
        "my_sequential",
        "a subclass of nn.Sequential instead of the container by hand",
        "class MySequential(nn.Sequential):\n    pass\n",
    ),
]
