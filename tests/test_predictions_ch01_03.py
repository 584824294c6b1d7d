"""Chapters 01-03's prediction exercises grade the prediction, not its form (issue 20, rule P).

A prediction's visible test checks only the form of the answers (it must not give them away),
so a well-formed wrong prediction must pass the visible part and fail the whole test, an
ill-formed one must fail the visible part with its own message, and the reference must pass
both. Cells run in-process with tests/chapter_probes.py, in milliseconds; the real nbgrader
round trip is tests/test_grading.py.
"""

import nbformat
import pytest

from tests.chapter_probes import Chapter, ids
from tools.build import ROOT

# Each chapter with the ungraded cells its prediction tests read (the cases, shown above them).
CH01 = Chapter("01_tensors", helpers=("# Exercise 5's cases",))
CH02 = Chapter("02_autograd", helpers=("# Exercise 4's cases",))
CH03 = Chapter("03_mlp_numpy")
CHAPTER_OF = {
    "view_copy_predictions": CH01,
    "inplace_backward_predictions": CH02,
    "learning_rate_predictions": CH03,
    "symmetry_predictions": CH03,
}


def sol(gid: str, old: str, new: str) -> str:
    return CHAPTER_OF[gid].solution_with(gid, old, new)


# (grade_id, the misconception, a well-formed wrong answer)
WRONG_PREDICTIONS = [
    ("view_copy_predictions", "a list index gives a view", sol("view_copy_predictions", '"c": False', '"c": True')),
    ("view_copy_predictions", "X[list] += 1 writes only a copy", sol("view_copy_predictions", '"d": True', '"d": False')),
    ("view_copy_predictions", ".numpy() copies", sol("view_copy_predictions", '"e": True', '"e": False')),
    ("view_copy_predictions", "row = row + 1 writes into X", sol("view_copy_predictions", '"b": False', '"b": True')),
    ("inplace_backward_predictions", "every in-place change breaks backward", sol("inplace_backward_predictions", '"a": 3.0', '"a": None')),
    ("inplace_backward_predictions", "Exp saves its input", sol("inplace_backward_predictions", '"b": None', '"b": 7.389')),
    ("inplace_backward_predictions", "y = y + 1 is in place", sol("inplace_backward_predictions", '"c": 7.389', '"c": None')),
    ("inplace_backward_predictions", "the += 1 adds to the gradient", sol("inplace_backward_predictions", '"d": 12.0', '"d": 13.0')),
    ("inplace_backward_predictions", "x ** 2 saves its output", sol("inplace_backward_predictions", '"d": 12.0', '"d": None')),
    ("learning_rate_predictions", "a larger step is a faster fit", sol("learning_rate_predictions", '"2e-6": "slow"', '"2e-6": "fits"')),
    ("learning_rate_predictions", "ten times the rate is only slower", sol("learning_rate_predictions", '"1e-5": "diverges"', '"1e-5": "slow"')),
    ("learning_rate_predictions", "a small rate fits in the same steps", sol("learning_rate_predictions", '"1e-7": "slow"', '"1e-7": "fits"')),
    ("symmetry_predictions", "the units drift apart", sol("symmetry_predictions", '"constant_units": 1', '"constant_units": 1000')),
    ("symmetry_predictions", "zero weights still learn", sol("symmetry_predictions", '"zero_changes": False', '"zero_changes": True')),
    ("symmetry_predictions", "a constant start fits too", sol("symmetry_predictions", '"constant_fits": False', '"constant_fits": True')),
]  # fmt: skip

# (grade_id, what is wrong with its form, an answer the visible part must refuse)
ILL_FORMED = [
    ("view_copy_predictions", "strings for booleans", sol("view_copy_predictions", '"a": True', '"a": "yes"')),
    ("view_copy_predictions", "a key missing", sol("view_copy_predictions", ', "g": True', "")),
    ("inplace_backward_predictions", "an error as a string", sol("inplace_backward_predictions", '"b": None', '"b": "error"')),
    ("inplace_backward_predictions", "a boolean for a number", sol("inplace_backward_predictions", '"a": 3.0', '"a": True')),
    ("learning_rate_predictions", "an outcome not on the list", sol("learning_rate_predictions", '"1e-5": "diverges"', '"1e-5": "explodes"')),
    ("symmetry_predictions", "a count that is no int", sol("symmetry_predictions", '"constant_units": 1', '"constant_units": "one"')),
]  # fmt: skip


@pytest.mark.parametrize("gid", sorted(CHAPTER_OF))
def test_reference_prediction_passes_visible_and_hidden_tests(gid):
    CHAPTER_OF[gid].reference_passes(gid)


@pytest.mark.parametrize("gid, why, answer", WRONG_PREDICTIONS, ids=ids(WRONG_PREDICTIONS))
def test_a_wrong_prediction_passes_the_visible_part_and_fails_the_whole_test(gid, why, answer):
    CHAPTER_OF[gid].only_the_hidden_part_fails(gid, answer)


@pytest.mark.parametrize("gid, why, answer", ILL_FORMED, ids=ids(ILL_FORMED))
def test_an_ill_formed_prediction_fails_the_visible_part(gid, why, answer):
    chapter = CHAPTER_OF[gid]
    with pytest.raises(AssertionError):
        chapter.run(answer, chapter.visible(gid))


def test_every_new_prediction_exercise_of_chapters_01_to_03_is_probed():
    """A prediction exercise added to 01-03 gets its wrong answers here too."""
    tagged = set()
    for slug in ("01_tensors", "02_autograd", "03_mlp_numpy"):
        nb = nbformat.read(ROOT / "source" / slug / f"{slug}.ipynb", as_version=4)
        tagged |= {
            c.metadata["nbgrader"]["grade_id"]
            for c in nb.cells
            if "prediction" in c.metadata.get("tags", []) and "nbgrader" in c.metadata
        }
    # The two older ones are graded by value in their own ways (shapes; a closed form).
    older = {"broadcast_predictions", "predict_detach_grad"}
    assert tagged - older == set(CHAPTER_OF), tagged
