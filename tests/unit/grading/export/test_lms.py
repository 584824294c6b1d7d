"""grading.export.lms on rows built in memory: only ready rows reach an upload file, points
scale and print as an LMS reads them, Canvas's column is found or the TA is told, feedback is
named for each LMS's bulk upload. The rows from a real gradebook: test_export_grades.py."""

import csv
import io
import zipfile

import pytest

from grading.export import lms
from grading.export.grades import HOLD, NONE, READY, Row
from grading.handin.roster import Entry

SLUG = "01_tensors"


def canvas_student(student, key, score=4.0, status=READY, **upload):
    entry = Entry(student, name=f"{student.title()} Doe", lms="canvas", lms_key=key,
                  sis_user_id=f"S{key}", sis_login_id=student, section="A")  # fmt: skip
    return Row(student, status=status, raw_score=score, max_score=5.0, roster=[entry],
               upload=upload)  # fmt: skip


def moodle_student(student, participant, score=4.0, **upload):
    upload = {"lms": "moodle", "ref": participant, "name": f"{student} M", **upload}
    return Row(student, status=READY, raw_score=score, max_score=5.0, upload=upload)


def table(text):
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("score", "scale_to", "printed"),
    [(4.0, None, "4"), (2.5, None, "2.5"), (1 / 3, None, "0.33"), (4.0, 100, "80"),
     (5.0, 10, "10"), (0.0, 100, "0")],
)  # fmt: skip
def test_points_print_without_trailing_zeros_and_scale_to_the_lms_maximum(score, scale_to, printed):
    assert lms.points(Row("a", raw_score=score, max_score=5.0), scale_to) == printed


def test_the_late_penalty_comes_off_before_scaling():
    row = Row("a", raw_score=5.0, late_penalty=1.0, max_score=5.0)
    assert lms.points(row, 100) == "80"


def test_canvas_csv_has_only_ready_rows_and_lists_those_without_a_canvas_id():
    rows = [
        canvas_student("ann", "101"),
        canvas_student("bo", "102", status=HOLD),
        canvas_student("cy", "103", status=NONE),
        Row("dee", status=READY, raw_score=3.0, max_score=5.0),  # no roster entry, no upload
    ]
    text, missing = lms.canvas_csv(rows, "Chapter 1 (5501)", None)
    assert table(text) == [
        [*lms.CANVAS_HEADER, "Chapter 1 (5501)"],
        ["Ann Doe", "101", "S101", "ann", "A", "4"],
    ]
    assert [r.student for r in missing] == ["dee"]


def test_canvas_id_from_the_hand_in_record_wins_over_the_roster():
    row = canvas_student("ann", "101", lms="canvas", lms_key="777")
    text, _ = lms.canvas_csv([row], "C (1)", None)
    assert table(text)[1][1] == "777"


def test_moodle_worksheet_uses_the_participant_id_and_the_scaled_maximum():
    rows = [moodle_student("jo", "654321"), canvas_student("ann", "101")]
    text, missing = lms.moodle_csv(rows, 20)
    header, line = table(text)
    assert header == lms.MOODLE_HEADER
    assert line[:7] == ["Participant 654321", "jo M", "", "Submitted for grading", "16", "20",
                        "Yes"]  # fmt: skip
    assert [r.student for r in missing] == ["ann"]  # a Canvas student has no Moodle participant


def test_a_given_canvas_column_without_an_assignment_id_warns(tmp_path):
    assert lms.canvas_column(tmp_path, SLUG, "Tensors (123)") == ("Tensors (123)", "")
    title, note = lms.canvas_column(tmp_path, SLUG, "Tensors")
    assert title == "Tensors" and "Canvas will make a new assignment of that name" in note


def known_columns(root, *titles):
    for slug in (SLUG, "02_autograd"):
        (root / "source" / slug).mkdir(parents=True)
    (root / "handin").mkdir()
    (root / "handin" / lms.COLUMNS_FILE).write_text("\n".join(titles) + "\n")


def test_the_canvas_column_is_found_among_the_imported_titles(tmp_path):
    known_columns(tmp_path, "Chapter 1: Tensors (5501)", "Chapter 2: Autograd (5502)")
    assert lms.canvas_column(tmp_path, SLUG, None) == ("Chapter 1: Tensors (5501)", "")
    assert lms.canvas_column(tmp_path, "02_autograd", None)[0] == "Chapter 2: Autograd (5502)"


@pytest.mark.parametrize(
    "titles",
    [(), ("Chapter 1: Tensors (5501)", "Tensors again, chapter 1 (5599)")],
    ids=["none-known", "two-match"],
)
def test_without_exactly_one_matching_column_the_slug_is_used_and_the_ta_told(tmp_path, titles):
    known_columns(tmp_path, *titles)
    title, note = lms.canvas_column(tmp_path, SLUG, None)
    assert title == SLUG
    assert "pass --canvas-column" in note


def test_feedback_is_named_by_the_upload_s_prefix_or_the_student_id():
    with_prefix = Row("ann", upload={"prefix": "doeann_101_9001_"})
    assert lms.feedback_name(with_prefix, SLUG) == f"doeann_101_9001_{SLUG}-feedback.html"
    assert lms.feedback_name(Row("Zoë Ng"), SLUG) == f"zoeng_{SLUG}-feedback.html"


def test_write_feedback_copies_ready_students_and_zips_them_per_lms(tmp_path):
    root, out = tmp_path / "course", tmp_path / "out"
    for student in ("ann", "jo", "kim", "bo"):
        html = root / "feedback" / student / SLUG / f"{SLUG}.html"
        html.parent.mkdir(parents=True)
        html.write_text(f"<p>{student}</p>")
    rows = [
        canvas_student("ann", "101", lms="canvas", prefix="doeann_101_9001_"),
        moodle_student("jo", "654321", prefix="Jo M_654321_assignsubmission_file_"),
        Row("kim", status=READY, upload={"lms": "folder"}),  # an LMS with no bulk upload
        canvas_student("bo", "102", status=HOLD),
        Row("lee", status=READY),  # graded, but its feedback was never written
    ]
    done = lms.write_feedback(root, SLUG, rows, out)
    assert done["missing"] == ["lee"]
    assert sorted(done["written"]) == sorted(
        [f"doeann_101_9001_{SLUG}-feedback.html",
         f"Jo M_654321_assignsubmission_file_{SLUG}-feedback.html", f"kim_{SLUG}-feedback.html"]
    )  # fmt: skip
    assert sorted(p.name for p in out.glob("*.zip")) == ["canvas-feedback.zip",
                                                         "moodle-feedback.zip"]  # fmt: skip
    with zipfile.ZipFile(out / "canvas-feedback.zip") as z:
        assert z.namelist() == [f"doeann_101_9001_{SLUG}-feedback.html"]
        assert z.read(z.namelist()[0]) == b"<p>ann</p>"
    with zipfile.ZipFile(out / "moodle-feedback.zip") as z:
        assert z.namelist() == [f"Jo M_654321_assignsubmission_file_{SLUG}-feedback.html"]
    assert not (out / "feedback" / f"bo_{SLUG}-feedback.html").exists()
