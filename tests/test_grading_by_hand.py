"""Chapter 05's by-hand exercises done by PyTorch, graded by the real `python -m grading autograde`
(sandbox on): each route scores what it deserves and is flagged; honest work is neither.

Submissions (tests/crafted/ch05_by_hand.py): the solution; honest variants (views, einsum,
no_grad); every by-hand exercise through references saved in the answer cell (the autograd ones
with inference mode switched off); some through torch.ops.aten / torch._C; the guard's mode popped
from inside. Before the aten-level guard, the saved-reference submission scored 25 of 25 with no
flag (issue 24).
"""

import copy
import json
import shutil
import subprocess
import sys

import pytest

from grading.paths import FLAGS_FILE
from tests.crafted.ch05_by_hand import (
    HONEST_VARIANTS,
    SAVED_REFERENCE,
    SWITCHED_OFF,
    TORCH_OPS_ATEN,
)
from tests.nbgrader_course import Course, exercises, nbg
from tools.build import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap"),
]
SLUG = "05_convolution"
SUBMISSIONS = {
    "honest_variants": HONEST_VARIANTS,
    "saved_reference": SAVED_REFERENCE,
    "torch_ops_aten": TORCH_OPS_ATEN,
    "switched_off": SWITCHED_OFF,
}


def _replaced(source, answers: dict):
    """(the submission, points of the test cells of the replaced answers)."""
    nb, lost = copy.deepcopy(source), 0.0
    for answer, tests in exercises(source):
        gid = nbg(source.cells[answer])["grade_id"]
        if gid in answers:
            nb.cells[answer].source = answers[gid]
            lost += sum(float(nbg(source.cells[t])["points"]) for t in tests)
    return nb, lost


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("course"))
    course.add_source(SLUG)
    course.nbgrader("generate_assignment", SLUG, "--force")
    source = course.source(SLUG)
    assert {gid for answers in SUBMISSIONS.values() for gid in answers} <= {
        nbg(source.cells[a])["grade_id"] for a, _ in exercises(source)
    }
    full = sum(
        float(nbg(c)["points"])
        for c in source.cells
        if nbg(c).get("grade") and c.cell_type == "code"
    )
    deserved = {"full": full}
    course.submit("full", SLUG, source)
    for name, answers in SUBMISSIONS.items():
        nb, lost = _replaced(source, answers)
        course.submit(name, SLUG, nb)
        deserved[name] = full if name == "honest_variants" else full - lost
    done = subprocess.run(
        [sys.executable, "-m", "grading", "autograde", SLUG, f"--root={course.root}",
         "--workers=2"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return {"course": course, "done": done, "deserved": deserved, "scores": course.scores(SLUG)}


def _flags(graded, student) -> list[dict]:
    path = graded["course"].root / "autograded" / student / SLUG / FLAGS_FILE
    return json.loads(path.read_text())["flags"] if path.exists() else []


def test_every_submission_scores_what_it_deserves(graded):
    got = {name: graded["scores"].get(name, (None,))[0] for name in graded["deserved"]}
    assert got == graded["deserved"], graded["done"].stdout[-3000:] + graded["done"].stderr[-2000:]


def test_honest_work_is_not_flagged(graded):
    """No by_hand or introspection flag (a time-budget flag on a loaded machine is another
    check's business)."""
    for student in ("full", "honest_variants"):
        mine = [f for f in _flags(graded, student) if f["kind"] in ("by_hand", "introspection")]
        assert mine == [], student


def test_each_route_is_flagged_for_the_ta_on_its_cells(graded):
    saved = _flags(graded, "saved_reference")
    by_hand = {f["cell"] for f in saved if f["kind"] == "by_hand"}
    assert by_hand == {f"{gid}_test" for gid in SAVED_REFERENCE}, saved
    scanned = {f["cell"] for f in saved if f["kind"] == "introspection"}
    assert scanned == {"numerical_gradient", "conv_backward", "maxpool_backward"}, saved
    assert all("inference_mode(False)" in f["reason"] and "line " in f["reason"]
               for f in saved if f["kind"] == "introspection")  # fmt: skip

    aten = _flags(graded, "torch_ops_aten")
    assert {f["cell"] for f in aten} == {f"{gid}_test" for gid in TORCH_OPS_ATEN}, aten
    assert all(f["kind"] == "by_hand" and "library routine aten." in f["reason"] for f in aten)

    off = _flags(graded, "switched_off")
    assert any(
        f["cell"] == "corr2d_test" and "removed the guard's dispatch mode" in f["reason"]
        for f in off
    ), off
    assert any(f["cell"] == "corr2d" and f["kind"] == "introspection" for f in off), off


def test_the_flags_reach_the_feedback_only_as_a_failed_test(graded):
    """The kernel's flag outputs are taken out of the graded notebook: the student sees the
    failing check's message, the TA the flag."""
    root = graded["course"].root
    text = (root / "autograded" / "saved_reference" / SLUG / f"{SLUG}.ipynb").read_text()
    assert "vnd.dlbook.flag" not in text and "<grading flag>" not in text
    assert "is to be done by hand" in text or "is to be written by hand" in text
