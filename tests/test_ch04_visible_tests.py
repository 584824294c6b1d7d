"""Chapter 04's visible tests catch the mistakes its text warns about (book-wide rule 3).

Each probe is a plausible wrong answer (most of them the instructor's solution with one warned-
about mistake put in); the visible part of its exercise's test cell must fail it, and the
reference solution must pass every test, visible and hidden. Cells are run in-process with the
chapter's setup cell, in milliseconds; the real nbgrader round trip is tests/test_grading.py.
"""

import pytest

from tests.chapter_probes import Chapter, ids
from tests.wrong_answers.ch04 import CAUGHT_BY_VISIBLE_TESTS

ch04 = Chapter("04_training")
sol = ch04.solution_with

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


PROBES += CAUGHT_BY_VISIBLE_TESTS  # the ones the real-kernel rule-3 test also runs

# Wrong predictions: the visible part checks only their form (it must not give the answer away),
# so the hidden part must fail them.
WRONG_PREDICTIONS = [
    (
        "mse_mismatch_predictions",
        "no broadcasting: a perfect prediction costs 0",
        'def mse_mismatch_predictions():\n    return {"shape": (3,), "loss": 0.0, "optimum": 2.0}\n',
    ),
    (
        "mse_mismatch_predictions",
        "the optimum is the perfect fit",
        'def mse_mismatch_predictions():\n    return {"shape": (3, 3), "loss": 12 / 9, "optimum": 1.0}\n',
    ),
    (
        "decay_predictions",
        "weight decay is always the penalty",
        (
            "def decay_predictions():\n    return dict.fromkeys(['sgd_shrink', 'momentum_penalty', "
            "'momentum_shrink', 'adam_penalty', 'adamw_penalty', 'adamw_shrink'], True)\n"
        ),
    ),
    (
        "decay_predictions",
        "the claim this chapter used to make: Adam's weight_decay differs from the penalty",
        sol("decay_predictions", '"adam_penalty": True', '"adam_penalty": False'),
    ),
    (
        "dropout_mode_predictions",
        "F.dropout follows the module's mode",
        sol(
            "dropout_mode_predictions", '"functional_eval": (0.0, 2.0)', '"functional_eval": (1.0,)'
        ),
    ),
    (
        "dropout_mode_predictions",
        "survivors are not scaled",
        sol("dropout_mode_predictions", '"layer_train": (0.0, 2.0)', '"layer_train": (0.0, 1.0)'),
    ),
]


@pytest.mark.filterwarnings("ignore::UserWarning")  # e.g. MSE's shape warning: the mistake itself
@pytest.mark.parametrize("gid, why, answer", PROBES, ids=ids(PROBES))
def test_visible_test_fails_the_warned_about_mistake(gid, why, answer):
    with pytest.raises((AssertionError, RuntimeError)):
        ch04.run(answer, ch04.visible(gid))


@pytest.mark.parametrize("gid", sorted({g for g, _, _ in PROBES}))
def test_reference_answer_passes_visible_and_hidden_tests(gid):
    ch04.reference_passes(gid)


@pytest.mark.parametrize("gid, why, answer", WRONG_PREDICTIONS, ids=ids(WRONG_PREDICTIONS))
def test_a_wrong_prediction_passes_the_visible_part_and_fails_the_whole_test(gid, why, answer):
    ch04.only_the_hidden_part_fails(gid, answer)


@pytest.mark.parametrize("gid", sorted({g for g, _, _ in WRONG_PREDICTIONS}))
def test_reference_prediction_passes_visible_and_hidden_tests(gid):
    ch04.reference_passes(gid)


# Answers that hand the work to the library: each must be a *working* answer (it passes the whole
# test once the guards are taken out), so that its failure above is the guard's doing.
LIBRARY_ROUTES = [
    (gid, why, answer)
    for gid, why, answer in CAUGHT_BY_VISIBLE_TESTS
    if any(word in why for word in ("library", "log_softmax", "does the work", "does the step"))
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("gid, why, answer", LIBRARY_ROUTES, ids=ids(LIBRARY_ROUTES))
def test_a_library_route_passes_once_the_guards_are_gone(gid, why, answer):
    no_guard = "(lambda *args: contextlib.nullcontext())("
    test = ch04.test(gid).replace("forbid_builtins(", no_guard).replace("by_hand(", no_guard)
    ch04.run(answer, "import contextlib\n" + test)
