"""`./dlbook export`: what may be uploaded, what is held back and why, in the LMS's formats.

The gradebook is nbgrader's own (its API writes what `nbgrader autograde` and the Formgrader
would: scores, manual-grade marks, late penalties); grading flags and batch markers are the
files the grading pipeline writes. Real grading end to end is tests/test_course_handin.py.
"""

import csv
import io
import json
import subprocess
import sys
import warnings
import zipfile
from datetime import datetime

import pytest
from sqlalchemy.exc import SAWarning

from grading import batch, paths
from grading.export import command, grades
from grading.handin import late
from grading.handin.roster import csv_text
from tests import lms_downloads as dl

SLUG = "01_tensors"
ROSTER = (
    "student,name,email,lms,lms_key,sis_user_id,sis_login_id,section\n"
    'alice,"Liddell, Alice",,canvas,101,S101,alice,A\n'
    'bob,"Builder, Bob",,canvas,102,S102,bob,A\n'
    'carol,"Danvers, Carol",,canvas,103,S103,carol,B\n'
)


def graded(root, student, scores, *, manual=(), penalty=0.0, flags=(), fresh=True, when=None):
    """What grading leaves for one student: gradebook rows, feedback, flags, the batch marker."""
    from nbgrader.api import Gradebook

    folder = root / "submitted" / student / SLUG
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{SLUG}.ipynb").write_bytes(dl.notebook_bytes(SLUG, student))
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "dlbook") as gb, warnings.catch_warnings():
        # nbgrader's add_submission trips SQLAlchemy 2's autoflush warning (as in autograde)
        warnings.simplefilter("ignore", SAWarning)
        gb.add_student(student)
        gb.add_submission(SLUG, student, timestamp=when)
        for name, score in scores.items():
            grade = gb.find_grade(name, SLUG, SLUG, student)
            grade.auto_score = score
            grade.needs_manual_grade = name in manual
        gb.find_submission_notebook(SLUG, SLUG, student).late_submission_penalty = penalty
        gb.db.commit()
    out = root / "autograded" / student / SLUG
    out.mkdir(parents=True, exist_ok=True)
    if flags:
        (out / "grading_flags.json").write_text(json.dumps({"flags": list(flags)}))
    if fresh:
        marker = paths.graded_marker(root, SLUG, student)
        marker.write_text(json.dumps(batch.grading_key(root, SLUG, student)))
    fb = root / "feedback" / student / SLUG
    fb.mkdir(parents=True, exist_ok=True)
    (fb / f"{SLUG}.html").write_text(f"<p>feedback for {student}</p>")


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory):
    """The assignment, its notebook and two graded cells (made once: nbgrader takes seconds)."""
    from nbgrader.api import Gradebook

    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", "dlbook") as gb:
        gb.add_assignment(SLUG, duedate=datetime(2027, 1, 15, 17, 0))
        gb.add_notebook(SLUG, SLUG)
        gb.add_grade_cell("a_test", SLUG, SLUG, max_score=2.0, cell_type="code")
        gb.add_grade_cell("b_test", SLUG, SLUG, max_score=3.0, cell_type="code")
    return path.read_bytes()


@pytest.fixture
def course(tmp_path, empty_gradebook):
    root = dl.course(tmp_path, slugs=(SLUG,))
    (root / "gradebook.db").write_bytes(empty_gradebook)
    (root / "roster.csv").write_text(ROSTER)
    return root


def read(path):
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_ready_held_and_missing(course):
    graded(course, "alice", {"a_test": 2, "b_test": 3})
    flag = {"reason": "kernel died (memory?)", "cell": "b_test"}
    graded(course, "bob", {"a_test": 2, "b_test": 0}, manual={"b_test"}, flags=[flag])
    graded(course, "carol", {"a_test": 1, "b_test": 3}, fresh=False)  # resubmitted after grading
    rows, _, _ = command.export(course, SLUG)
    by = {r.student: r for r in rows}
    assert by["alice"].status == grades.READY and by["alice"].score == 5
    assert by["bob"].status == grades.HOLD and by["bob"].reason == "b_test: kernel died (memory?)"
    assert "give the flagged cells (b_test) a score" in by["bob"].todo
    assert by["carol"].status == grades.HOLD
    assert by["carol"].todo == f"grade it again: ./dlbook autograde {SLUG} --student carol"
    out = course / "exports" / SLUG
    canvas = read(out / "canvas.csv")
    assert [r["ID"] for r in canvas] == ["101"]  # only alice: nobody unchecked is uploadable
    assert canvas[0] == {
        "Student": "Liddell, Alice", "ID": "101", "SIS User ID": "S101",
        "SIS Login ID": "alice", "Section": "A", SLUG: "5",
    }  # fmt: skip
    assert {r["student"] for r in read(out / "held_back.csv")} == {"bob", "carol"}
    assert {r["student_id"] for r in read(out / "nbgrader-grades.csv")} == {"alice", "bob", "carol"}
    assert sorted(p.name for p in (out / "feedback").iterdir()) == [f"alice_{SLUG}-feedback.html"]
    assert [r["status"] for r in read(out / "grades.csv")] == ["ready", "HOLD", "HOLD"]


def test_a_reviewed_flag_is_ready(course):
    """The Formgrader clears needs_manual_grade when a TA scores the cell: then it is uploadable."""
    flag = {"reason": "kernel died (memory?)", "cell": "b_test"}
    graded(course, "bob", {"a_test": 2, "b_test": 1}, flags=[flag])
    rows, held, _ = command.export(course, SLUG)
    bob = {r.student: r for r in rows}["bob"]
    assert not held and bob.reason == "flag reviewed: b_test: kernel died (memory?)"
    assert read(course / "exports" / SLUG / "canvas.csv")[0]["ID"] == "102"


def test_late_penalty_is_in_every_file(course):
    graded(course, "alice", {"a_test": 2, "b_test": 3}, penalty=1.5, when=datetime(2027, 1, 16, 5))
    rows, _, _ = command.export(course, SLUG, scale_to=100)
    (g,) = [r for r in read(course / "exports" / SLUG / "grades.csv") if r["student"] == "alice"]
    assert (g["raw_score"], g["late_penalty"], g["score"], g["max_score"]) == (
        "5",
        "1.5",
        "3.5",
        "5",
    )
    assert (g["duedate"], g["submitted_at"], g["hours_late"]) == (
        "2027-01-15 17:00 UTC", "2027-01-16 05:00 UTC", "12.0"
    )  # fmt: skip
    assert read(course / "exports" / SLUG / "canvas.csv")[0][SLUG] == "70"  # 3.5 of 5 -> of 100
    (n,) = [
        r
        for r in read(course / "exports" / SLUG / "nbgrader-grades.csv")
        if r["student_id"] == "alice"
    ]
    assert (n["raw_score"], n["late_submission_penalty"], n["score"]) == ("5.0", "1.5", "3.5")
    text = command.render(SLUG, rows, [], [], course)
    assert "Late: alice (12 h late, -1.5 points)" in text


def test_hand_in_problems_and_students_without_an_lms_id(course):
    graded(course, "dave", {"a_test": 2, "b_test": 2})  # on the course server: no Canvas id
    (course / "reports" / SLUG).mkdir(parents=True)
    (course / "reports" / SLUG / "handin.csv").write_text(csv_text([
        ["student", "file", "outcome", "what to do", "kept at"],
        ["bob", "bob_102_9_01_tensors.py", "not used: a Python script", "ask bob to upload", ""],
    ]))  # fmt: skip
    rows, held, _ = command.export(course, SLUG)
    why = {r.student: (reason, todo) for r, reason, todo in held}
    assert why["bob"] == ("hand-in: not used: a Python script", "ask bob to upload")
    assert why["dave"][0] == "ready, but no canvas id known"
    assert "./dlbook roster import-canvas <gradebook export>.csv" in why["dave"][1]
    assert {r.student: r.reason for r in rows}["carol"] == "nothing submitted"


def test_canvas_column_from_the_gradebook_export(course):
    graded(course, "alice", {"a_test": 2, "b_test": 3})
    (course / "handin").mkdir()
    (course / "handin" / "canvas_columns.txt").write_text(
        "Chapter 1: Tensors (5501)\nChapter 2: Autograd (5502)\n"
    )
    _, _, notes = command.export(course, SLUG)
    assert "Chapter 1: Tensors (5501)" in read(course / "exports" / SLUG / "canvas.csv")[0]
    assert not notes


def test_moodle_worksheet_and_feedback_named_for_upload(course):
    graded(course, "josenunez", {"a_test": 2, "b_test": 3})
    graded(course, "alice", {"a_test": 2, "b_test": 3})
    (course / "handin" / SLUG).mkdir(parents=True)
    (course / "handin" / SLUG / "uploads.csv").write_text(csv_text([
        ["student", "lms", "lms_key", "name", "ref", "prefix", "uploaded_as", "late"],
        ["josenunez", "moodle", "José Núñez", "José Núñez", "654321",
         "José Núñez_654321_assignsubmission_file_", "x", ""],
        ["alice", "canvas", "101", "liddellalice", "9001", "liddellalice_LATE_101_9001_", "y", "yes"],
    ]))  # fmt: skip
    _, _, _ = command.export(course, SLUG)
    out = course / "exports" / SLUG
    (m,) = read(out / "moodle.csv")
    assert (m["Identifier"], m["Full name"], m["Grade"], m["Maximum Grade"]) == (
        "Participant 654321", "José Núñez", "5", "5"
    )  # fmt: skip
    with zipfile.ZipFile(out / "moodle-feedback.zip") as z:
        assert z.namelist() == [f"José Núñez_654321_assignsubmission_file_{SLUG}-feedback.html"]
    with zipfile.ZipFile(out / "canvas-feedback.zip") as z:
        assert z.namelist() == [f"liddellalice_LATE_101_9001_{SLUG}-feedback.html"]
        assert z.read(z.namelist()[0]) == b"<p>feedback for alice</p>"
    (g,) = [r for r in read(out / "grades.csv") if r["student"] == "alice"]
    assert g["lms_late"] == "LATE (per the LMS; no time known)"


def test_command_line_exit_status_and_message(course, capsys):
    graded(course, "alice", {"a_test": 2, "b_test": 3})
    assert command.main([SLUG, "--root", str(course)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{SLUG}: 1 ready to upload, 0 held back, 2 with no grade.")
    graded(course, "bob", {"a_test": 0, "b_test": 0}, manual={"a_test"})
    assert command.main([SLUG, "--root", str(course)]) == 1
    out = capsys.readouterr().out
    assert "Held back (not in any upload file):\n  bob: needs a manual grade: a_test" in out


def test_python_m_grading_export(tmp_path):
    """The command as a TA types it; with nothing graded it says what to do, and makes no
    gradebook as a side effect."""
    root = dl.course(tmp_path, slugs=(SLUG,))
    cmd = [sys.executable, "-m", "grading.export", SLUG, "--root", str(root)]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=dl.ROOT)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"dlbook export: nothing to export for {SLUG}: no grades, submissions or roster lines "
        f"in {root}. Grade first: ./dlbook autograde {SLUG}"
    )
    assert not (root / "gradebook.db").exists()


@pytest.mark.parametrize(
    "hours, settings, expected",
    [
        (0.1, {"percent_per_day": 10}, 1.0),  # a started day costs 10% of 10 points
        (30, {"percent_per_day": 10}, 2.0),  # two started days
        (0.2, {"percent_per_day": 10, "grace_minutes": 15}, 0.0),  # inside the grace period
        (24 * 8, {"percent_per_day": 10, "zero_after_days": 7}, 10.0),
        (24 * 30, {"percent_per_day": 10}, 10.0),  # never more than the score
        (5, {}, 0.0),  # the default: late work costs nothing
    ],
)
def test_per_day_penalty(hours, settings, expected):
    from traitlets.config import Config

    config = Config({"PerDayPenalty": settings})
    assert late.penalty(10.0, hours * 3600, config) == pytest.approx(expected)


def test_csv_text_round_trips_names_with_commas_and_quotes():
    text = csv_text([["a", 'He said "hi", then left']])
    assert list(csv.reader(io.StringIO(text))) == [["a", 'He said "hi", then left']]
