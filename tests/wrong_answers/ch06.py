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
