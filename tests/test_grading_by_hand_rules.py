"""Chapters 01, 02 and 04's "by hand" exercises done by the library, graded by the real
`python -m grading autograde` (sandbox on): each route loses its exercise's points and, where a
guard caught it, is flagged for the TA on that test cell; the solution and an honest variant
keep full marks and no flag.

Submissions come from tests/crafted/by_hand_rules.py (the in-process layer is
tests/test_by_hand_rules.py). Before the guards, every route here scored full marks.
"""

import copy
import json
import shutil
import subprocess
import sys

import pytest

from grading.paths import FLAGS_FILE
from tests.crafted.by_hand_rules import FORBIDDEN, HONEST
from tests.nbgrader_course import Course, exercises, nbg
from tools.build import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap"),
]


def _route(gid: str, why: str) -> str:
    return next(answer for g, w, answer, _ in FORBIDDEN if (g, w) == (gid, why))


# slug -> (grade_id, {student: (answer source, flagged by a guard?)}, honest answer)
CHAPTERS = {
    "01_tensors": (
        "norms_by_hand",
        {"saved_norm": (_route("norms_by_hand", "a reference saved in the answer cell"), True)},
    ),
    "02_autograd": (
        "newton_sqrt",
        {
            "saved_sqrt": (_route("newton_sqrt", "a saved torch.sqrt"), True),
            # no library root at all: the coarse-tol value check catches it, no guard does
            "math_sqrt": (
                _route(
                    "newton_sqrt",
                    "math.sqrt of each entry, then one Newton step (no torch root at all)",
                ),
                False,
            ),
        },
    ),
    "04_training": (
        "my_sequential",
        {
            "borrowed_init": (
                _route(
                    "my_sequential", "nn.Sequential's __init__ borrowed through a saved reference"
                ),
                True,
            )
        },
    ),
}
_graded: dict = {}


def _with_answer(source, gid: str, answer: str):
    """(the solution with `gid`'s answer replaced, the points of its test cells)."""
    nb = copy.deepcopy(source)
    for index, tests in exercises(source):
        if nbg(source.cells[index])["grade_id"] == gid:
            nb.cells[index].source = answer
            return nb, sum(float(nbg(source.cells[t])["points"]) for t in tests)
    raise AssertionError(f"no answer cell {gid}")


def graded(slug, tmp_path_factory) -> dict:
    """Grade the chapter's submissions once per session."""
    if slug in _graded:
        return _graded[slug]
    gid, routes = CHAPTERS[slug]
    course = Course(tmp_path_factory.mktemp(slug))
    course.add_source(slug)
    course.nbgrader("generate_assignment", slug, "--force")
    source = course.source(slug)
    full = sum(
        float(nbg(c)["points"])
        for c in source.cells
        if nbg(c).get("grade") and c.cell_type == "code"
    )
    course.submit("full", slug, source)
    honest = next(answer for g, _, answer in HONEST if g == gid)
    course.submit("honest", slug, _with_answer(source, gid, honest)[0])
    deserved = {"full": full, "honest": full}
    for student, (answer, _) in routes.items():
        nb, lost = _with_answer(source, gid, answer)
        course.submit(student, slug, nb)
        deserved[student] = full - lost
    done = subprocess.run(
        [sys.executable, "-m", "grading", "autograde", slug, f"--root={course.root}",
         "--workers=2"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    _graded[slug] = {"course": course, "done": done, "deserved": deserved,
                     "scores": course.scores(slug)}  # fmt: skip
    return _graded[slug]


def _flags(result, slug, student) -> list[dict]:
    path = result["course"].root / "autograded" / student / slug / FLAGS_FILE
    return json.loads(path.read_text())["flags"] if path.exists() else []


@pytest.mark.parametrize("slug", sorted(CHAPTERS))
def test_each_route_loses_its_exercise_and_honest_work_keeps_full_marks(slug, tmp_path_factory):
    result = graded(slug, tmp_path_factory)
    got = {name: result["scores"].get(name, (None,))[0] for name in result["deserved"]}
    assert got == result["deserved"], result["done"].stdout[-3000:] + result["done"].stderr[-2000:]


@pytest.mark.parametrize("slug", sorted(CHAPTERS))
def test_a_guarded_route_is_flagged_on_its_test_cell_and_honest_work_is_not(slug, tmp_path_factory):
    result = graded(slug, tmp_path_factory)
    gid, routes = CHAPTERS[slug]
    for student in ("full", "honest"):
        mine = [
            f for f in _flags(result, slug, student) if f["kind"] in ("by_hand", "introspection")
        ]
        assert mine == [], (student, mine)
    for student, (_, guarded) in routes.items():
        by_hand = {f["cell"] for f in _flags(result, slug, student) if f["kind"] == "by_hand"}
        assert by_hand == ({f"{gid}_test"} if guarded else set()), (student, by_hand)
