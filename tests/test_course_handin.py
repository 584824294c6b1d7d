"""A Canvas bulk download through the whole pipeline: `./dlbook collect`, real `./dlbook
autograde` (the sandboxed grader), `./dlbook export`.

The download has what real ones have (tests/lms_downloads.py names them as Canvas does):
a re-upload (`-1`), a LATE flag, `01_tensors (1).ipynb`, `Copy of 01_tensors.ipynb` from
Colab, a zip of a work folder, chapter 02's notebook uploaded to chapter 01, a `.py` export
instead of the notebook, and macOS litter. Every student's answer is right except in
aaron's older upload: so each graded score shows which upload was used. Checked: what the TA
reads from each command, where each file went, the gradebook's scores, and the rows of
grades.csv and canvas.csv (held-back students in neither upload file, the LATE one marked,
the deadline shown), and the feedback files named for Canvas's re-upload.
The same oddities one by one, with every message: tests/unit/grading/handin/.
"""

import csv
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests import lms_downloads as dl

pytestmark = pytest.mark.slow
SLUG = "01_tensors"
EXERCISE = "normalize_rows"
RIGHT = "def normalize_rows(X):\n    return X / X.sum(dim=1, keepdim=True)\n"
WRONG = "def normalize_rows(X):\n    return X / X.sum()\n"
COLUMN = "Chapter 1: Tensors (4242)"
DUE = "2027-01-15 17:00:00 UTC"
CANVAS_IDS = {"aaron": 111, "bella": 112, "cyrus": 113, "dana": 114, "emil": 115}


def answer(source: str) -> bytes:
    return dl.with_answer(SLUG, EXERCISE, source)


def download(tmp: Path) -> Path:
    work = dl.zip_bytes([(f"work/{SLUG}/{SLUG}.ipynb", answer(RIGHT + "# emil\n"))])
    return dl.write_zip(tmp / "submissions.zip", [
        (dl.canvas("aaron", 111, 9001, f"{SLUG}.ipynb"), answer(WRONG)),
        (dl.canvas("aaron", 111, 9001, f"{SLUG}-1.ipynb"), answer(RIGHT + "# aaron\n")),
        (dl.canvas("bella", 112, 9002, f"{SLUG}.ipynb", late=True), answer(RIGHT + "# bella\n")),
        (dl.canvas("cyrus", 113, 9003, f"{SLUG} (1).ipynb"), answer(RIGHT + "# cyrus\n")),
        (dl.canvas("dana", 114, 9004, f"Copy of {SLUG}.ipynb"), answer(RIGHT + "# dana\n")),
        (dl.canvas("emil", 115, 9005, "work.zip"), work),
        (dl.canvas("fern", 116, 9006, f"{SLUG}.ipynb"), dl.notebook_bytes("02_autograd")),
        (dl.canvas("gus", 117, 9007, f"{SLUG}.py"), b"import torch\nprint('hi')\n"),
        ("__MACOSX/._aaron_111_9001_01_tensors.ipynb", b"\0\5\26\7"),
    ])  # fmt: skip


def dlbook(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DLBOOK_", "JUPYTER"))}
    env.update(DLBOOK_ENV=sys.prefix, DLBOOK_COURSE=str(course))
    return subprocess.run([str(dl.ROOT / "dlbook"), *args], capture_output=True, text=True,
                          env=env, cwd=course, check=False, timeout=900)  # fmt: skip


def rows(path: Path) -> dict[str, dict]:
    with path.open(newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    key = "student" if "student" in table[0] else "Student"
    return {r[key]: r for r in table}


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """The course after collect, autograde and export: (course, the three commands' results)."""
    if not (Path(sys.prefix) / ".dlbook-ready").exists():
        pytest.skip("run through ./dlbook test, so that the book's environment is the one in use")
    tmp = tmp_path_factory.mktemp("handin")
    course = dl.course(tmp)  # source/ of chapters 01 and 02: collect tells them apart
    collected = dlbook(course, "collect", SLUG, str(download(tmp)))
    due = dlbook(course, "python", "-m", "nbgrader", "db", "assignment", "add", SLUG,
                 f"--duedate={DUE}", f"--CourseDirectory.root={course}")  # fmt: skip
    assert due.returncode == 0, due.stderr
    graded = dlbook(course, "autograde", SLUG)
    exported = dlbook(course, "export", SLUG, f"--canvas-column={COLUMN}")
    return course, collected, graded, exported


def test_collect_resolves_or_lists_every_oddity(term):
    course, collected, _, _ = term
    assert collected.returncode == 0, collected.stderr
    text = collected.stdout
    for line in [
        (
            "Placed 5 notebook(s) in submitted/<student>/01_tensors/; 8 file(s) read, 1 system "
            "file(s) skipped (__MACOSX, .DS_Store)."
        ),
        (
            "aaron: aaron_111_9001_01_tensors.ipynb: not used: older than "
            "'aaron_111_9001_01_tensors-1.ipynb'"
        ),
        "Needs you (2):",
        (
            "fern: fern_116_9006_01_tensors.ipynb: not used: chapter 02_autograd's notebook (by its "
            "graded cells)"
        ),
        (
            "-> ask fern for their 01_tensors notebook; if it is their 02_autograd work, collect it "
            "there: ./dlbook collect 02_autograd"
        ),
        (
            "gus: gus_117_9007_01_tensors.py: not used: a Python script (Colab's File > Download > "
            ".py), not the notebook"
        ),
        (
            "-> ask gus to upload 01_tensors.ipynb again (in Jupyter or Colab: File > Download > "
            ".ipynb); then collect the new download and grade them with ./dlbook autograde "
            "01_tensors --student gus"
        ),
    ]:
        assert line in text, f"{line!r} not in:\n{text}"
    assert text.count("used (uploaded as") == 2  # (1), Copy of
    assert (
        "bella: bella_LATE_112_9002_01_tensors.ipynb: used (marked LATE by Canvas, which gives "
        "no time: the export says so and takes no penalty for it)" in text
    )
    placed = sorted(p.parent.name for p in course.glob(f"submitted/*/{SLUG}"))
    assert placed == sorted(CANVAS_IDS)
    unused = course / "handin" / SLUG / "unused"
    assert (unused / "fern" / f"fern_116_9006_{SLUG}.ipynb").exists()
    assert (unused / "gus" / f"gus_117_9007_{SLUG}.py").exists()
    assert (unused / "aaron" / f"aaron_111_9001_{SLUG}.ipynb").exists()  # the older, kept
    listed = rows(course / "reports" / SLUG / "handin.csv")
    assert set(listed) == set(CANVAS_IDS) | {"fern", "gus"}


def test_autograde_grades_the_newest_upload_of_each(term):
    course, _, graded, _ = term
    assert graded.returncode == 0, graded.stdout + graded.stderr
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(SLUG)}
    assert set(scores) == set(CANVAS_IDS)
    # Only the exercise was answered: each scores its points; aaron's older upload would not.
    assert len(set(scores.values())) == 1 and scores["aaron"] > 0, scores


def test_export_rows_and_files_for_canvas(term):
    course, _, _graded, exported = term
    out = course / "exports" / SLUG
    assert exported.returncode == 1, exported.stderr  # some are held back
    text = exported.stdout
    assert text.startswith(f"{SLUG}: 5 ready to upload, 2 held back, 0 with no grade."), text
    assert "Late: bella (LATE per the LMS, no time known: no penalty here)" in text
    grades = rows(out / "grades.csv")
    assert set(grades) == set(CANVAS_IDS) | {"fern", "gus"}
    for student in CANVAS_IDS:
        g = grades[student]
        assert (g["status"], g["duedate"]) == ("ready", "2027-01-15 17:00 UTC"), g
        assert float(g["score"]) == float(g["raw_score"]) > 0 and g["late_penalty"] == "0"
    assert grades["bella"]["lms_late"] == "LATE (per the LMS; no time known)"
    assert grades["aaron"]["lms_late"] == ""
    for student, why in [("fern", "chapter 02_autograd's notebook"), ("gus", "a Python script")]:
        assert grades[student]["status"] == "HOLD" and why in grades[student]["reason"]
        assert grades[student]["score"] == ""
    canvas = rows(out / "canvas.csv")
    assert sorted(canvas) == sorted(CANVAS_IDS)  # held-back students are in no upload file
    for student, canvas_id in CANVAS_IDS.items():
        assert canvas[student]["ID"] == str(canvas_id)
        assert canvas[student][COLUMN] == grades[student]["score"]
    with zipfile.ZipFile(out / "canvas-feedback.zip") as z:
        names = sorted(z.namelist())
        page = z.read(f"aaron_111_9001_{SLUG}-feedback.html").decode()
    assert names == sorted([
        f"aaron_111_9001_{SLUG}-feedback.html", f"bella_LATE_112_9002_{SLUG}-feedback.html",
        f"cyrus_113_9003_{SLUG}-feedback.html", f"dana_114_9004_{SLUG}-feedback.html",
        f"emil_115_9005_{SLUG}-feedback.html",
    ])  # fmt: skip
    assert "# aaron" in page  # the feedback is of the notebook that was graded
    held = rows(out / "held_back.csv")
    assert set(held) == {"fern", "gus"}
