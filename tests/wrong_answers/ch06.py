from functools import partial

from tests.wrong_answers import swapped

SLUG = "06_lenet"
# Zeroes the cut connections once, in __init__, and convolves with the full weight: correct
# until the first optimizer step gives those weights non-zero values again.
WRONG = (
    "masked_conv",
    (
        "class MaskedConv2d(nn.Conv2d):\n"
        "    def __init__(self, table, kernel_size, **kwargs):\n"
        "        in_channels, out_channels = table.shape\n"
        "        super().__init__(in_channels, out_channels, kernel_size, **kwargs)\n"
        "        self.register_buffer('mask', table.T.float()[:, :, None, None].clone())\n"
        "        with torch.no_grad():\n"
        "            self.weight *= self.mask\n"
        "\n"
        "    def num_effective_parameters(self):\n"
        "        kernel = self.weight.shape[2] * self.weight.shape[3]\n"
        "        return int(self.mask.sum()) * kernel + self.bias.numel()\n"
    ),
)


def _evaluate_accuracy(*body: str) -> str:
    return "def evaluate_accuracy(net, data_iter):\n" + "".join(f"    {line}\n" for line in body)


_COUNT = (
    "correct, count = 0, 0",
    "with torch.no_grad():",
    "    for X, y in data_iter:",
    "        correct += (net(X).argmax(dim=1) == y).sum()",
    "        count += len(y)",
)

# Plausible mistakes the *visible* tests must catch (the book-wide rule 3 test):
# (grade_id, the mistake, the answer cell's source).
CAUGHT_BY_VISIBLE_TESTS = [
    (
        "evaluate_accuracy",
        "net.train() at the end instead of restoring each submodule's mode",
        _evaluate_accuracy("net.eval()", *_COUNT, "net.train()", "return float(correct) / count"),
    ),
    (
        "evaluate_accuracy",
        "the mean of the batch accuracies (a short last batch counts as much as a full one)",
        _evaluate_accuracy(
            "modes = [(m, m.training) for _, m in net.named_modules()]",
            "net.eval()",
            "accs = []",
            "with torch.no_grad():",
            "    for X, y in data_iter:",
            "        accs.append(float((net(X).argmax(dim=1) == y).float().mean()))",
            "for m, mode in modes:",
            "    m.training = mode",
            "return sum(accs) / len(accs)",
        ),
    ),
    (
        "evaluate_accuracy",
        "no net.eval(): dropout stays on while evaluating",
        _evaluate_accuracy(*_COUNT, "return float(correct) / count"),
    ),
]


# train_epoch (exercise 11) as the solution writes it, with one line swapped for a mistake.
_TRAIN_EPOCH = (
    "def train_epoch(net, batches, loss_fn, optimizer):\n"
    "    net.train()\n"
    "    loss_sum, correct, count = 0.0, 0, 0\n"
    "    for X, y in batches:\n"
    "        y_hat = net(X)\n"
    "        loss = loss_fn(y_hat, y)\n"
    "        optimizer.zero_grad()\n"
    "        loss.backward()\n"
    "        optimizer.step()\n"
    "        loss_sum = loss_sum + loss.detach() * len(y)\n"
    "        correct = correct + (y_hat.argmax(dim=1) == y).sum()\n"
    "        count += len(y)\n"
    "    return float(loss_sum) / count, float(correct) / count\n"
)
_train_epoch = partial(swapped, _TRAIN_EPOCH)  # (old, new): the solution with a mistake put in


# MaskedConv2d (exercise 3) as the solution writes it.
_MASKED_CONV = (
    "class MaskedConv2d(nn.Conv2d):\n"
    "    def __init__(self, table, kernel_size, **kwargs):\n"
    "        in_channels, out_channels = table.shape\n"
    "        super().__init__(in_channels, out_channels, kernel_size, **kwargs)\n"
    "        self.register_buffer('mask', table.T.float()[:, :, None, None].clone())\n"
    "\n"
    "    def forward(self, x):\n"
    "        return self._conv_forward(x, self.weight * self.mask, self.bias)\n"
    "\n"
    "    def num_effective_parameters(self):\n"
    "        kernel = self.weight.shape[2] * self.weight.shape[3]\n"
    "        biases = self.bias.numel() if self.bias is not None else 0\n"
    "        return int(self.mask.sum()) * kernel + biases\n"
)
_masked_conv = partial(swapped, _MASKED_CONV)


CAUGHT_BY_VISIBLE_TESTS += [
    (
        "train_epoch",
        "loss_sum = loss_sum + loss * len(y): every batch's graph kept alive until the epoch ends",
        _train_epoch("loss.detach() * len(y)", "loss * len(y)"),
    ),
    (
        "train_epoch",
        "loss_sum += loss * len(y) on a float start: the same kept graphs",
        _train_epoch("loss_sum = loss_sum + loss.detach() * len(y)", "loss_sum += loss * len(y)"),
    ),
    (
        "train_epoch",
        "a read per batch (.item() on the loss)",
        _train_epoch("loss.detach() * len(y)", "loss.item() * len(y)"),
    ),
    (
        "train_epoch",
        "the mean of the batch means (a short last batch counts as much as a full one)",
        _train_epoch("loss.detach() * len(y)", "loss.detach()").replace(
            "float(loss_sum) / count", "float(loss_sum) / len(batches)"
        ),
    ),
    (
        "masked_conv",
        "the cut weights zeroed once, in __init__",
        WRONG[1],
    ),
    (
        "masked_conv",
        "the table used without transposing (its rows are inputs, the weight's are outputs)",
        _masked_conv("table.T.float()", "table.float()"),
    ),
    (
        "masked_conv",
        "the mask a plain attribute, not a buffer (not in the state_dict, not moved by .to())",
        _masked_conv(
            "self.register_buffer('mask', table.T.float()[:, :, None, None].clone())",
            "self.mask = table.T.float()[:, :, None, None].clone()",
        ),
    ),
    (
        "masked_conv",
        "the biases left out of the effective parameters",
        _masked_conv("* kernel + biases", "* kernel"),
    ),
]
