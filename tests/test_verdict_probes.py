"""The verdict's two probes, over every exercise of every chapter, with real nbgrader grading.

Generated from each chapter's instructor notebook (tests/verdict_probes.py), so a new exercise
is covered without editing this file. Per chapter, one `nbgrader autograde` run grades three
submissions:

- a thief, whose answers return what they find (globals, the caller's frames, literal tables,
  `.grad` on their inputs, reference modules, `gc`): it must score 0 on every exercise;
- an honest student's state (float64 default at the top, random draws and a by-hand run of
  each visible test before the test): full marks;
- honest answers in other valid forms (0-d tensors for numbers, kaiming_normal_ modules):
  every test cell whose visible part printed ✔ in the student's notebook earns its points.

The last two together are the invariant "a visible ✔ earns its points at grading".
"""

import nbformat
import pytest

from tests.nbgrader_course import Course
from tests.verdict_probes import (
    honest_forms,
    honest_state,
    points_by_test_cell,
    thief,
    visible_passes,
)
from tools.build import masters

pytestmark = pytest.mark.slow
CHAPTERS = [m.stem for m in masters()]
STUDENTS = {"thief": thief, "honest_state": honest_state, "honest_forms": honest_forms}


@pytest.fixture(scope="module", params=CHAPTERS)
def probed(request, tmp_path_factory):
    slug = request.param
    course = Course(tmp_path_factory.mktemp(f"probe_{slug}"))
    course.add_source(slug)
    course.nbgrader("generate_assignment", slug, "--force")
    source = course.source(slug)
    for student, make in STUDENTS.items():
        course.submit(student, slug, make(source))
    course.nbgrader("autograde", slug, "--force")
    graded = {
        s: nbformat.read(course.root / "autograded" / s / slug / f"{slug}.ipynb", as_version=4)
        for s in STUDENTS
    }
    return {
        "slug": slug,
        "points": points_by_test_cell(source),
        "cells": {s: course.cell_scores(slug, s) for s in STUDENTS},
        "ticks": {s: visible_passes(nb) for s, nb in graded.items()},
        "errors": {s: _errors(nb) for s, nb in graded.items()},
    }


def _errors(nb) -> dict:
    out = {}
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        for o in cell.get("outputs", []):
            if gid and o.get("output_type") == "error":
                out[gid] = f"{o.get('ename')}: {str(o.get('evalue'))[:160]}"
    return out


def _summary(probed, student) -> str:
    cells = probed["cells"][student]
    got = sum(cells[g][0] for g in probed["points"] if g in cells)
    return f"{probed['slug']} {student}: {got:g} of {sum(probed['points'].values()):g}"


def test_a_thief_scores_zero_on_every_exercise(probed):
    cells = probed["cells"]["thief"]
    stolen = {g: cells[g][0] for g in probed["points"] if cells.get(g, (0,))[0] > 0}
    print(_summary(probed, "thief"))
    assert not stolen, (
        f"{probed['slug']}: answers that only look for the expected value earned points on "
        f"{stolen}: something the verdict needs is reachable from the student's kernel"
    )


def test_an_honest_students_state_keeps_full_marks(probed):
    cells = probed["cells"]["honest_state"]
    lost = {
        g: (cells.get(g, (None,))[0], p, probed["errors"]["honest_state"].get(g))
        for g, p in probed["points"].items()
        if cells.get(g, (None,))[0] != p
    }
    print(_summary(probed, "honest_state"))
    assert not lost, (
        f"{probed['slug']}: float64 default, extra random draws and a by-hand run of each "
        f"visible test cost points (grade_id: (score, points, error)): {lost}"
    )


@pytest.mark.parametrize("student", ["honest_state", "honest_forms"])
def test_a_visible_tick_earns_its_points(probed, student):
    cells, ticks = probed["cells"][student], probed["ticks"][student]
    assert ticks, f"{probed['slug']} {student}: no visible test printed ✔; the probe is void"
    broken = {
        g: (cells.get(g, (None,))[0], probed["points"][g], probed["errors"][student].get(g))
        for g in ticks
        if cells.get(g, (None,))[0] != probed["points"][g]
    }
    print(f"{_summary(probed, student)}; {len(ticks)} of {len(probed['points'])} cells ✔")
    assert not broken, (
        f"{probed['slug']} {student}: the notebook showed ✔ but grading gave fewer points "
        f"(grade_id: (score, points, error)): {broken}"
    )
