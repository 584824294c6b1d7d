"""Real nbgrader round trip for every chapter: generate, submit, autograde, feedback.

Per chapter, in one temporary course: the instructor's source earns full marks; the untouched
release earns 0; one exercise answered wrongly loses exactly that exercise's points, also when
the student replaced its visible test with `pass`, deleted or unmarked it, or rebound the check
functions; an answer that emits a Python warning still earns full marks; and no feedback file
shows hidden-test source.
"""

import ast
import copy
import html
import re

import pytest

from tests.nbgrader_course import Course, exercises, nbg, with_cell
from tests.wrong_answers import wrong_answers
from tools.build import masters

# Real nbgrader, real kernels: about a minute per chapter, so outside the fast subset.
pytestmark = pytest.mark.slow
CHAPTERS = [m.stem for m in masters()]

# A plausible wrong answer per chapter: tests/wrong_answers/chNN.py. Chapters without one get
# their last exercise left blank, which exercises the same bookkeeping.
WRONG_ANSWERS = wrong_answers()


# Run-time tampering: make every check a no-op so that the wrong answer would pass.
SNEAKY = "check_close = check_equal = check_shape = check_type = check_true = lambda *a, **k: None"


def _add_warning(source: str) -> str:
    """Make the first function in `source` emit a UserWarning each time it runs."""
    tree = ast.parse(source)
    func = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))
    body = func.body
    first = (
        body[1]
        if len(body) > 1
        and isinstance(body[0], ast.Expr)
        and isinstance(getattr(body[0], "value", None), ast.Constant)
        else body[0]
    )
    lines = source.splitlines()
    indent = " " * first.col_offset
    line = f'{indent}import warnings; warnings.warn("a harmless student warning", UserWarning)'
    lines.insert(first.lineno - 1, line)
    return "\n".join(lines) + "\n"


def _points(nb, cells) -> float:
    return sum(float(nbg(nb.cells[i]).get("points", 0)) for i in cells)


# One chapter's submissions are graded once (`./dlbook test` keeps a file on one worker).
@pytest.fixture(scope="module", params=CHAPTERS)
def graded(request, tmp_path_factory):
    slug = request.param
    course = Course(tmp_path_factory.mktemp(f"course_{slug}"))
    course.add_source(slug)
    course.nbgrader("generate_assignment", slug, "--force")
    source, release = course.source(slug), course.release(slug)
    found = exercises(source)
    assert found, f"{slug} has no graded exercises"

    gid, wrong_src = WRONG_ANSWERS.get(slug, (None, None))
    if gid is None:
        wrong_index, wrong_tests = found[-1]
        wrong_src = release.cells[wrong_index].source
    else:
        wrong_index, wrong_tests = next(
            (i, t) for i, t in found if nbg(source.cells[i])["grade_id"] == gid
        )
    wrong = with_cell(source, wrong_index, wrong_src)
    tampered = wrong
    for i in wrong_tests:
        tampered = with_cell(tampered, i, "pass")
    sneaky = with_cell(wrong, wrong_index, wrong_src + "\n" + SNEAKY)
    func_cell = next(i for i, _ in found if "def " in source.cells[i].source)
    warns = with_cell(source, func_cell, _add_warning(source.cells[func_cell].source))

    course.submit("full", slug, source)
    course.submit("blank", slug, release)
    course.submit("one_wrong", slug, wrong)
    course.submit("tampered", slug, tampered)
    course.submit("warns", slug, warns)
    course.submit("sneaky", slug, sneaky)
    deleted = copy.deepcopy(wrong)
    deleted.cells = [c for i, c in enumerate(wrong.cells) if i not in wrong_tests]
    course.submit("deleted_test", slug, deleted)
    unmarked = copy.deepcopy(wrong)
    for i in wrong_tests:
        unmarked.cells[i].metadata.pop("nbgrader")
    course.submit("unmarked_test", slug, unmarked)
    course.nbgrader("autograde", slug, "--force")
    course.nbgrader("generate_feedback", slug, "--force")
    students = sorted(p.name for p in (course.root / "submitted").iterdir())
    return {
        "slug": slug,
        "course": course,
        "source": source,
        "scores": course.scores(slug),
        "students": students,
        "lost": _points(source, wrong_tests),
        "wrong_tests": wrong_tests,
    }


def test_source_earns_full_marks(graded):
    score, max_score = graded["scores"]["full"]
    assert max_score > 0
    assert score == max_score, graded["course"].cell_scores(graded["slug"], "full")


def test_untouched_release_earns_zero(graded):
    score, _ = graded["scores"]["blank"]
    assert score == 0, graded["course"].cell_scores(graded["slug"], "blank")


def test_one_wrong_exercise_loses_exactly_its_points(graded):
    score, max_score = graded["scores"]["one_wrong"]
    assert graded["lost"] > 0
    assert score == max_score - graded["lost"], graded["course"].cell_scores(
        graded["slug"], "one_wrong"
    )


def test_editing_a_visible_test_to_pass_does_not_help(graded):
    assert graded["scores"]["tampered"] == graded["scores"]["one_wrong"]


def test_deleting_or_unmarking_a_failing_test_does_not_help(graded):
    assert graded["scores"]["deleted_test"] == graded["scores"]["one_wrong"]
    assert graded["scores"]["unmarked_test"] == graded["scores"]["one_wrong"]


def test_rebinding_the_check_functions_does_not_help(graded):
    # The verdict is reached outside the kernel: no-op checks change nothing.
    assert graded["scores"]["sneaky"] == graded["scores"]["one_wrong"], graded[
        "course"
    ].cell_scores(graded["slug"], "sneaky")


def test_a_warning_from_student_code_costs_nothing(graded):
    score, max_score = graded["scores"]["warns"]
    assert score == max_score, graded["course"].cell_scores(graded["slug"], "warns")


def test_feedback_never_shows_hidden_tests(graded):
    hidden_lines, visible_lines = set(), set()
    for cell in graded["source"].cells:
        for block in re.findall(
            r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", cell.source, re.DOTALL
        ):
            hidden_lines |= {ln.strip() for ln in block.splitlines() if len(ln.strip()) > 8}
        visible = re.sub(
            r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source, flags=re.DOTALL
        )
        visible_lines |= {ln.strip() for ln in visible.splitlines()}
    # A line students can already see, or that is part of one they see (a short continuation
    # such as `instead=ON_MODULE):`), reveals nothing.
    hidden_lines = {h for h in hidden_lines if not any(h in v for v in visible_lines)}
    assert hidden_lines, "every chapter should have hidden tests that differ from visible ones"
    feedback = sorted((graded["course"].root / "feedback").rglob("*.html"))
    assert sorted(page.parent.parent.name for page in feedback) == graded["students"], (
        "every submission gets one feedback page"
    )
    for page in feedback:
        # Syntax highlighting splits code into <span>s: compare against the visible text.
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        assert "BEGIN HIDDEN TESTS" not in text
        leaked = [ln for ln in hidden_lines if ln in text]
        assert not leaked, (
            f"{page.parent.parent.name}: hidden test source in feedback: {leaked[:3]}"
        )
