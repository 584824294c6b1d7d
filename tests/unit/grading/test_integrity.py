"""grading.integrity on a real course folder and a real (SQLite) gradebook: a snapshot taken
around some students' grading reports every course file added, removed or changed and every
other student's gradebook row changed, and nothing the graded students may change."""

import warnings

import pytest
from sqlalchemy.exc import SAWarning

from grading.integrity import changes, snapshot

SLUG = "01_tensors"


@pytest.fixture(scope="module")
def gradebook_bytes(tmp_path_factory):
    """One assignment, one graded cell, two students with a submission (nbgrader takes a second
    to set up, so made once and copied)."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", "dlbook") as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission, as in autograde
        gb.add_assignment(SLUG)
        gb.add_notebook(SLUG, SLUG)
        gb.add_grade_cell("f_test", SLUG, SLUG, max_score=2.0, cell_type="code")
        for student in ("alice", "bob"):
            gb.add_student(student)
            gb.add_submission(SLUG, student)
    return path.read_bytes()


@pytest.fixture
def course(tmp_path, gradebook_bytes):
    root = tmp_path / "course"
    for name in (
        "source/01_tensors/01_tensors.ipynb",
        "submitted/bob/01_tensors/01_tensors.ipynb",
        "autograded/alice/01_tensors/01_tensors.ipynb",
        "nbgrader_config.py",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)
    (root / "gradebook.db").write_bytes(gradebook_bytes)
    return root


def _url(root):
    return f"sqlite:///{root / 'gradebook.db'}"


def _set_score(root, student, score):
    from nbgrader.api import Gradebook

    with Gradebook(_url(root), "dlbook") as gb:
        gb.find_grade("f_test", SLUG, SLUG, student).auto_score = score
        gb.db.commit()


def test_an_untouched_course_has_no_changes(course):
    before = snapshot(course, _url(course), {"alice"})
    assert before["files"] and before["rows"]  # it did read files and bob's row
    assert changes(before, snapshot(course, _url(course), {"alice"})) == []


def test_every_course_file_added_removed_or_changed_is_named(course):
    before = snapshot(course, _url(course), {"alice"})
    (course / "source/01_tensors/01_tensors.ipynb").write_text("patched")
    (course / "submitted/bob/01_tensors/01_tensors.ipynb").unlink()
    (course / "source/01_tensors/planted.py").write_text("x")
    assert changes(before, snapshot(course, _url(course), {"alice"})) == [
        "course file source/01_tensors/01_tensors.ipynb was changed",
        "course file source/01_tensors/planted.py was added",
        "course file submitted/bob/01_tensors/01_tensors.ipynb was removed",
    ]


def test_the_graded_students_folders_reports_and_caches_may_change(course):
    before = snapshot(course, _url(course), {"alice"})
    for name in (
        "autograded/alice/01_tensors/01_tensors.ipynb",
        "feedback/alice/01_tensors/x.html",
        "reports/01_tensors/scores.csv",
        "tests/__pycache__/m.pyc",
        ".git/HEAD",
    ):
        (course / name).parent.mkdir(parents=True, exist_ok=True)
        (course / name).write_text("new")
    _set_score(course, "alice", 2.0)  # alice's own row: hers to change
    assert changes(before, snapshot(course, _url(course), {"alice"})) == []
    # The same folders of a student not being graded are the course's.
    (course / "feedback/bob/01_tensors/x.html").parent.mkdir(parents=True)
    (course / "feedback/bob/01_tensors/x.html").write_text("planted")
    assert changes(before, snapshot(course, _url(course), {"alice"})) == [
        "course file feedback/bob/01_tensors/x.html was added"
    ]


def test_another_students_gradebook_row_is_guarded(course):
    before = snapshot(course, _url(course), {"alice"})
    _set_score(course, "bob", 2.0)
    found = changes(before, snapshot(course, _url(course), {"alice"}))
    assert found == [
        "gradebook row of another student changed: ('bob', '01_tensors', '01_tensors', 'f_test')"
    ]
    # Graded together, bob's row is his own grading's to change.
    both = snapshot(course, _url(course), {"alice", "bob"})
    _set_score(course, "bob", 1.0)
    assert changes(both, snapshot(course, _url(course), {"alice", "bob"})) == []
