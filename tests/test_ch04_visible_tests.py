"""Chapter 04's visible tests catch the mistakes its text warns about (book-wide rule 3).

Each probe is a plausible wrong answer (most of them the instructor's solution with one warned-
about mistake put in); the visible part of its exercise's test cell must fail it, and the
reference solution must pass every test, visible and hidden. Cells are run in-process with the
chapter's setup cell, in milliseconds; the real nbgrader round trip is tests/test_grading.py.
"""

import nbformat
import pytest

from tools.build import ROOT

NOTEBOOK = ROOT / "source" / "04_training" / "04_training.ipynb"
nb = nbformat.read(NOTEBOOK, as_version=4)
src = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
SETUP = "\n".join(
    line for line in src["setup"].splitlines() if "%pip" not in line and "google.colab" not in line
)


def sol(gid, old, new):
    """The reference answer of `gid` with `old` replaced by `new`."""
    assert old in src[gid], (gid, old)
    return src[gid].replace(old, new)


PROBES = [
    (
        "polynomial_regression",
        "plain tensors",
        sol(
            "polynomial_regression",
            "self.weight = nn.Parameter(0.01 * torch.randn(degree))",
            "self.weight = (0.01 * torch.randn(degree)).requires_grad_()",
        ),
    ),
    (
        "my_sequential",
        "list of modules",
        """class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        self.layers = list(modules)
    def forward(self, x):
        for m in self.layers: x = m(x)
        return x
    def __getitem__(self, i): return self.layers[i]
    def __len__(self): return len(self.layers)
""",
    ),
    (
        "layer_norm",
        "unbiased variance",
        sol(
            "layer_norm",
            "var = ((x - mean) ** 2).mean(dim=1, keepdim=True)",
            "var = x.var(dim=1, keepdim=True)",
        ),
    ),
    (
        "layer_norm",
        "no keepdim",
        sol("layer_norm", "mean = x.mean(dim=1, keepdim=True)", "mean = x.mean(dim=1)"),
    ),
    ("batch_losses", "no reshape", sol("batch_losses", "pred.reshape(target.shape)", "pred")),
    (
        "batch_losses",
        "BCELoss on sigmoid",
        sol(
            "batch_losses",
            "F.binary_cross_entropy_with_logits(bin_logits, bin_labels.to(bin_logits.dtype))",
            "F.binary_cross_entropy(torch.sigmoid(bin_logits), bin_labels.float())",
        ),
    ),
    (
        "softmax_cross_entropy",
        "naive exp",
        sol(
            "softmax_cross_entropy",
            "shifted = logits - logits.max(dim=1, keepdim=True).values",
            "shifted = logits",
        ),
    ),
    (
        "softmax_cross_entropy",
        "autograd",
        """def softmax_cross_entropy(logits, y):
    o = logits.detach().clone().requires_grad_()
    loss = -(o - o.exp().sum(1, keepdim=True).log())[torch.arange(len(y)), y].mean()
    loss.backward()
    return loss.detach(), o.grad
""",
    ),
    (
        "softmax_cross_entropy",
        "sum not mean grad",
        sol("softmax_cross_entropy", "return loss, grad / n", "return loss, grad"),
    ),
    (
        "sgd_momentum_step",
        "decay after momentum",
        sol(
            "sgd_momentum_step",
            "        g = g + weight_decay * p\n        if momentum != 0:\n            buf = g.clone() if buf is None else momentum * buf + g\n            g = buf\n",
            "        if momentum != 0:\n            buf = g.clone() if buf is None else momentum * buf + g\n            g = buf\n        g = g + weight_decay * p\n",
        ),
    ),
    (
        "adam_step",
        "eps inside sqrt",
        sol("adam_step", "(v_hat.sqrt() + eps)", "(v_hat + eps).sqrt()"),
    ),
    (
        "adam_step",
        "t not incremented first",
        sol(
            "adam_step",
            '    state["step"] += 1\n    t = state["step"]\n',
            '    t = state["step"] + 1\n',
        ),
    ),
    (
        "array_dataset",
        "float64",
        sol(
            "array_dataset",
            "torch.as_tensor(features, dtype=torch.float32)",
            "torch.from_numpy(features)",
        ),
    ),
    ("dropout", "no scaling", sol("dropout", "return keep * X / (1 - p)", "return keep * X")),
    (
        "dropout",
        "p=1 divides",
        sol("dropout", "    if p == 1:\n        return torch.zeros_like(X)\n", ""),
    ),
    (
        "checkpoint",
        "model only",
        """def save_checkpoint(path, net, optimizer, epoch):
    torch.save({"net": net.state_dict(), "epoch": epoch}, path)
def load_checkpoint(path, net, optimizer):
    s = torch.load(path); net.load_state_dict(s["net"]); return s["epoch"]
""",
    ),
]


def _run(answer: str, test: str) -> None:
    namespace: dict = {}
    exec(SETUP, namespace)  # noqa: S102 -- the chapter's own cells, as a kernel would run them
    exec(answer, namespace)  # noqa: S102
    exec(test, namespace)  # noqa: S102


@pytest.mark.filterwarnings("ignore::UserWarning")  # e.g. MSE's shape warning: the mistake itself
@pytest.mark.parametrize("gid, why, answer", PROBES, ids=[f"{g}-{w}" for g, w, _ in PROBES])
def test_visible_test_fails_the_warned_about_mistake(gid, why, answer):
    visible = src[gid + "_test"].split("### BEGIN HIDDEN TESTS")[0]
    with pytest.raises((AssertionError, RuntimeError)):
        _run(answer, visible)


@pytest.mark.parametrize("gid", sorted({g for g, _, _ in PROBES}))
def test_reference_answer_passes_visible_and_hidden_tests(gid):
    _run(src[gid], src[gid + "_test"])
