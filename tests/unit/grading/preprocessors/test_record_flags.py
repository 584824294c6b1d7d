"""RecordFlags with a real (SQLite) gradebook and real files: the flags a run raised are written
beside the student's graded notebook and their cells marked needs-manual-grade; flags found
before grading are kept; a clean regrade clears an old flags file."""

import warnings

import pytest
from sqlalchemy.exc import SAWarning
from traitlets.config import Config

from grading.flags import SUBMISSION_STAGE, Flag, note, read_flags, write_flags
from grading.paths import flags_file
from grading.preprocessors.record_flags import RecordFlags
from tests.unit.grading.preprocessors.cells import source_notebook

SLUG = "01_tensors"
CELLS = ("f_test", "g_test")


@pytest.fixture(scope="module")
def gradebook_bytes(tmp_path_factory):
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", "dlbook") as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission, as in autograde
        gb.add_assignment(SLUG)
        gb.add_notebook(SLUG, SLUG)
        for name in CELLS:
            gb.add_grade_cell(name, SLUG, SLUG, max_score=1.0, cell_type="code")
        gb.add_student("alice")
        gb.add_submission(SLUG, "alice")
        for grade in gb.find_submission_notebook(SLUG, SLUG, "alice").grades:
            grade.auto_score, grade.needs_manual_grade = (
                1.0,
                False,
            )  # as a clean autograde leaves it
        gb.db.commit()
    return path.read_bytes()


@pytest.fixture
def course(tmp_path, gradebook_bytes):
    (tmp_path / "gradebook.db").write_bytes(gradebook_bytes)
    return tmp_path


def _record(course, *flags):
    config = Config()
    config.CourseDirectory.root = str(course)
    db_url = f"sqlite:///{course / 'gradebook.db'}"
    resources = {
        "nbgrader": {"student": "alice", "assignment": SLUG, "notebook": SLUG, "db_url": db_url}
    }
    for flag in flags:
        note(resources, flag.reason, flag.cell, kind=flag.kind)
    RecordFlags(config=config).preprocess(source_notebook(), resources)
    return read_flags(flags_file(course, SLUG, "alice"))


def _needs_manual_grade(course) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "dlbook") as gb:
        notebook = gb.find_submission_notebook(SLUG, SLUG, "alice")
        return {g.name: bool(g.needs_manual_grade) for g in notebook.grades}


def test_a_flagged_cell_is_written_and_marked_for_a_manual_look(course):
    death = Flag("the kernel died", "g_test", kind="kernel_death")
    assert _record(course, death) == [death]
    assert _needs_manual_grade(course) == {"f_test": False, "g_test": True}


def test_a_flag_on_the_whole_notebook_marks_every_graded_cell(course):
    budget = Flag("grading stopped early", None, kind="time_budget")
    assert _record(course, budget) == [budget]
    assert _needs_manual_grade(course) == dict.fromkeys(CELLS, True)


def test_flags_found_before_grading_are_kept_and_a_clean_regrade_clears_the_rest(course):
    path = flags_file(course, SLUG, "alice")
    broken = Flag("duplicated grade_id", "f_test", SUBMISSION_STAGE, kind="broken_notebook")
    write_flags(path, [broken, Flag("an old run's flag", "g_test", kind="kernel_death")])
    assert _record(course) == [broken]  # the old run's flag is gone, the structural one stays
    path.unlink()
    write_flags(path, [Flag("an old run's flag", "g_test", kind="kernel_death")])
    assert _record(course) == [] and not path.exists()
    assert _needs_manual_grade(course) == {"f_test": True, "g_test": False}
