"""Chapter 06's test cells grade what they claim to (issue 20, item 1; book-wide rule 3).

Three kinds of probe, each run in-process with the chapter's setup cell (milliseconds; the real
nbgrader round trip is tests/test_grading.py):
- the mistakes the text warns about (tests/wrong_answers/ch06.py, CAUGHT_BY_VISIBLE_TESTS) fail
  the visible part of their exercise's test;
- honest answers written another way than the solution (the mask re-applied in place, the
  running sum accumulated under no_grad, a buffer under another name) pass visible and hidden;
- well-formed but wrong predictions pass the visible part (which checks the form only) and
  fail the whole test.
"""

import pytest

from tests.chapter_probes import Chapter, ids
from tests.wrong_answers.ch06 import CAUGHT_BY_VISIBLE_TESTS, WRONG

# The paper's C3 table is an ungraded cell masked_conv's test reads.
ch06 = Chapter("06_lenet", helpers=("def c3_table",))
sol = ch06.solution_with


HONEST = [
    (
        "masked_conv",
        "the cut weights zeroed in place before every forward pass, the buffer named 'connections'",
        sol(
            "masked_conv",
            "return self._conv_forward(x, self.weight * self.mask, self.bias)",
            "with torch.no_grad():\n            self.weight.mul_(self.mask)\n"
            "        return super().forward(x)",
        )
        .replace('register_buffer("mask"', 'register_buffer("connections"')
        .replace("self.mask", "self.connections"),
    ),
    (
        "masked_conv",
        "the table itself kept as a bool buffer, transposed in forward",
        sol(
            "masked_conv",
            'self.register_buffer("mask", table.T.to(self.weight.dtype)[:, :, None, None].clone())',
            'self.register_buffer("table", table.clone())',
        )
        .replace(
            "self.weight * self.mask",
            "self.weight * self.table.T[:, :, None, None].to(self.weight.dtype)",
        )
        .replace("int(self.mask.sum())", "int(self.table.sum())"),
    ),
    (
        "train_epoch",
        "the running sums added under torch.no_grad()",
        sol(
            "train_epoch",
            "loss_sum = loss_sum + loss.detach() * len(y)",
            "with torch.no_grad():\n            loss_sum = loss_sum + loss * len(y)",
        ),
    ),
    (
        "train_epoch",
        "the running sums as 0-d tensors from the start, updated in place",
        sol(
            "train_epoch",
            "loss_sum, correct, count = 0.0, 0, 0",
            "loss_sum, correct, count = torch.zeros(()), torch.zeros((), dtype=torch.long), 0",
        )
        .replace(
            "loss_sum = loss_sum + loss.detach() * len(y)", "loss_sum += loss.detach() * len(y)"
        )
        .replace(
            "correct = correct + (y_hat.argmax(dim=1) == y).sum()",
            "correct += (y_hat.argmax(dim=1) == y).sum()",
        ),
    ),
]

# (grade_id, the wrong belief, the reference's answer, the wrong one): well-formed, so only the
# hidden part can tell.
WRONG_PREDICTIONS = [
    (gid, why, sol(gid, right, wrong))
    for gid, why, right, wrong in [
        ("debug_predictions", "shuffled labels cannot be fitted",
         '"shuffled_labels_fit": True', '"shuffled_labels_fit": False'),
        ("debug_predictions", "the double softmax floor taken as 0",
         '"double_softmax_floor": 1.4612', '"double_softmax_floor": 0.0'),
        ("debug_predictions", "the loss of a uniform guess as log base 2",
         '"uniform_10": 2.3026', '"uniform_10": 3.3219'),
        ("read_predictions", "an if on a tensor reads nothing",
         '"if_per_batch": 5', '"if_per_batch": 0'),
        ("read_predictions", "formatting a tensor reads nothing",
         '"log_the_mean": 1', '"log_the_mean": 0'),
        ("read_curves", "the stopping epoch where the training accuracy peaks",
         '"overfitting"}, 6', '"overfitting"}, 12'),
    ]
]  # fmt: skip


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    "gid, why, answer", CAUGHT_BY_VISIBLE_TESTS, ids=ids(CAUGHT_BY_VISIBLE_TESTS)
)
def test_visible_test_fails_the_warned_about_mistake(gid, why, answer):
    with pytest.raises(AssertionError):
        ch06.run(answer, ch06.visible(gid))


def test_the_planted_wrong_answer_fails_the_visible_test():
    gid, answer = WRONG
    with pytest.raises(AssertionError):
        ch06.run(answer, ch06.visible(gid))


@pytest.mark.parametrize("gid, why, answer", HONEST, ids=ids(HONEST))
def test_an_honest_variant_passes_visible_and_hidden_tests(gid, why, answer):
    ch06.run(answer, ch06.test(gid))


@pytest.mark.parametrize(
    "gid", sorted({g for g, _, _ in CAUGHT_BY_VISIBLE_TESTS + HONEST + WRONG_PREDICTIONS})
)
def test_reference_answer_passes_visible_and_hidden_tests(gid):
    ch06.reference_passes(gid)


@pytest.mark.parametrize("gid, why, answer", WRONG_PREDICTIONS, ids=ids(WRONG_PREDICTIONS))
def test_a_wrong_prediction_passes_the_visible_part_and_fails_the_whole_test(gid, why, answer):
    ch06.only_the_hidden_part_fails(gid, answer)
