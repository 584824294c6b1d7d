"""Chapters 01-03's prediction exercises grade the prediction, not its form (issue 20, rule P).

A prediction's visible test checks only the form of the answers (it must not give them away),
so a well-formed wrong prediction must pass the visible part and fail the whole test, an
ill-formed one must fail the visible part with its own message, and the reference must pass
both. Cells run in-process after the chapter's setup cell, in milliseconds, as in
tests/test_ch04_visible_tests.py; the real nbgrader round trip is tests/test_grading.py.
"""

import functools

import nbformat
import pytest

from tools.build import ROOT

SLUG_OF = {
    "view_copy_predictions": "01_tensors",
    "inplace_backward_predictions": "02_autograd",
    "learning_rate_predictions": "03_mlp_numpy",
    "symmetry_predictions": "03_mlp_numpy",
}
# The ungraded cell a test reads its cases from (the chapter shows it above the exercise).
CASES_OF = {
    "view_copy_predictions": "VIEW_COPY_CASES",
    "inplace_backward_predictions": "INPLACE_CASES",
}


@functools.cache
def _notebook(slug: str):
    return nbformat.read(ROOT / "source" / slug / f"{slug}.ipynb", as_version=4)


@functools.cache
def _cells(slug: str) -> dict:
    return {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in _notebook(slug).cells}


def _cases_cell(gid: str) -> str:
    if gid not in CASES_OF:
        return ""
    defines = f"{CASES_OF[gid]} = {{"
    (source,) = [c.source for c in _notebook(SLUG_OF[gid]).cells if defines in c.source]
    return source


def _setup(slug: str) -> str:
    lines = _cells(slug)["setup"].splitlines()
    return "\n".join(ln for ln in lines if "%pip" not in ln and "google.colab" not in ln)


def sol(gid: str, old: str, new: str) -> str:
    """The reference answer of `gid` with `old` replaced by `new`."""
    source = _cells(SLUG_OF[gid])[gid]
    assert old in source, (gid, old)
    return source.replace(old, new)


def _run(gid: str, answer: str, visible_only: bool) -> None:
    test = _cells(SLUG_OF[gid])[gid + "_test"]
    if visible_only:
        test = test.split("### BEGIN HIDDEN TESTS")[0]
    namespace: dict = {}
    exec(_setup(SLUG_OF[gid]), namespace)  # noqa: S102 -- the chapter's own cells
    exec(_cases_cell(gid), namespace)  # noqa: S102
    exec(answer, namespace)  # noqa: S102
    exec(test, namespace)  # noqa: S102


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


@pytest.mark.parametrize("gid", sorted(SLUG_OF))
def test_reference_prediction_passes_visible_and_hidden_tests(gid):
    _run(gid, _cells(SLUG_OF[gid])[gid], visible_only=False)


@pytest.mark.parametrize(
    "gid, why, answer", WRONG_PREDICTIONS, ids=[f"{g}-{w}" for g, w, _ in WRONG_PREDICTIONS]
)
def test_a_wrong_prediction_passes_the_visible_part_and_fails_the_whole_test(gid, why, answer):
    _run(gid, answer, visible_only=True)  # well-formed: the form check passes
    with pytest.raises(AssertionError):
        _run(gid, answer, visible_only=False)


@pytest.mark.parametrize("gid, why, answer", ILL_FORMED, ids=[f"{g}-{w}" for g, w, _ in ILL_FORMED])
def test_an_ill_formed_prediction_fails_the_visible_part(gid, why, answer):
    with pytest.raises(AssertionError):
        _run(gid, answer, visible_only=True)


def test_every_prediction_exercise_of_chapters_01_to_03_is_probed():
    """A new prediction exercise in 01-03 gets wrong answers here too."""
    tagged = set()
    for slug in set(SLUG_OF.values()) | {"01_tensors", "02_autograd"}:
        nb = nbformat.read(ROOT / "source" / slug / f"{slug}.ipynb", as_version=4)
        tagged |= {
            c.metadata["nbgrader"]["grade_id"]
            for c in nb.cells
            if "prediction" in c.metadata.get("tags", []) and "nbgrader" in c.metadata
        }
    older = {"broadcast_predictions", "predict_detach_grad"}  # graded by value in their own ways
    assert tagged - older == set(SLUG_OF), tagged
