"""Grade one student: `nbgrader autograde SLUG --student S` in its own process, then feedback.

Each nbgrader command runs forked from a process that imported nbgrader once
(nbgrader_process.py), in the book's folder, so the book's nbgrader_config.py (sandbox,
verdict, flags) applies whatever the course root. A failure becomes a flag, never an exception:
one broken submission must not stop a batch. When this student is the only one graded at the
time, the course and the other students' gradebook rows are checked unchanged around it
(integrity.py); in a parallel batch the batch checks them instead. A submission holding links,
FIFOs or devices (submission_files.py) never reaches nbgrader: it is flagged instead.

`record_assignment` runs once before any student: it puts the instructor's version in the
gradebook, which autograde restores the test cells from.
"""

import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grading import integrity, nbgrader_process
from grading.flags import SUBMISSION_STAGE, Flag, mark_for_review, read_flags, write_flags
from grading.paths import BOOK, default_db_url, flags_file, submission_folder
from grading.submission_files import why_refused


@dataclass
class Outcome:
    """What grading one submission gave, as plain data (it crosses processes and machines)."""

    student: str
    ok: bool  # nbgrader autograde exited 0
    seconds: float = 0.0  # grading and feedback, wall clock
    error: str = ""  # when not ok: the flags' reasons, shortened
    score: float | None = None  # None: no grade reached the gradebook
    max_score: float | None = None
    flags: list = field(default_factory=list)  # Flag per thing a person should look at


class AssignmentNotRecorded(RuntimeError):
    """`nbgrader generate_assignment` failed: nothing can be graded. The message is nbgrader's."""


def nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    # cwd: the book's nbgrader_config.py (sandbox, verdict) applies to every course root.
    return nbgrader_process.run([*args, f"--CourseDirectory.root={root}"], cwd=str(BOOK))


def _tail(done: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
    errors = [ln for ln in lines if "ERROR" in ln or "Error" in ln]
    return (errors or lines or ["no output"])[-1][:300]


def record_assignment(root: Path, slug: str, extra: list[str]) -> None:
    """Put the instructor's version (cells, tests, points) in the gradebook, which autograde
    restores tests from, without touching the committed release/. Once, before any worker."""
    with tempfile.TemporaryDirectory() as scratch:
        done = nbgrader(
            root,
            "generate_assignment",
            slug,
            "--force",
            f"--CourseDirectory.release_directory={scratch}",
            "--log-level=WARN",
            *extra,
        )
    if done.returncode != 0:
        raise AssignmentNotRecorded(f"could not record {slug} in the gradebook:\n{done.stdout}")


def gradebook_name(full_name: str) -> tuple[str, str]:
    """(first, last) of a roster name: "Doe, Jane" or "Jane Doe" (one word: a last name)."""
    if "," in full_name:
        last, first = (part.strip() for part in full_name.split(",", 1))
        return first, last
    *first, last = full_name.split() or [""]
    return " ".join(first), last


def record_names(root: Path, url: str, students) -> None:
    """Give the gradebook each student's name from roster.csv, so the Formgrader shows
    "Doe, Jane" where nbgrader would show "None, None"; a student the roster does not name
    shows as their id. Names already in the gradebook (a TA's edits) are kept."""
    from nbgrader.api import Gradebook

    from grading.handin.roster import Roster, RosterError

    try:
        names = {e.student: e.name for e in Roster(root).entries if e.name}
    except (RosterError, OSError, ValueError):
        names = {}
    with Gradebook(url) as gb:
        known_students = {s.id: s for s in gb.students}
        for student in students:
            known = known_students.get(student)
            if known is not None and (known.first_name or known.last_name):
                continue
            first, last = gradebook_name(names[student]) if student in names else ("", student)
            gb.update_or_create_student(student, first_name=first, last_name=last)


def grade_student(
    root: Path,
    slug: str,
    student: str,
    extra: list[str],
    url: str | None = None,
    check_integrity: bool = True,
) -> Outcome:
    """Autograde one student's submission; flag instead of failing; check nothing else moved.

    `check_integrity=False` when other students are graded at the same time (their rows
    change then): the batch checks the course before and after instead (batch.py).
    """
    url = url or default_db_url(root)
    refused = why_refused(submission_folder(root, slug, student), slug, student)
    if refused:  # checked again here: nothing of a link or a FIFO reaches nbgrader's copy
        flags = [Flag(refused, stage=SUBMISSION_STAGE, kind="refused_files")]
        write_flags(flags_file(root, slug, student), flags)
        return Outcome(student, False, error=refused, flags=flags)
    before = integrity.snapshot(root, url, {student}) if check_integrity else None
    done = nbgrader(root, "autograde", slug, "--student", student, "--force", *extra)
    after = integrity.snapshot(root, url, {student}) if check_integrity else None
    path = flags_file(root, slug, student)
    flags = read_flags(path)
    extra_flags = []
    if done.returncode != 0:
        extra_flags.append(Flag(f"nbgrader autograde failed: {_tail(done)}", kind="grader_error"))
    moved = integrity.changes(before, after) if check_integrity else []
    if moved:
        extra_flags.append(
            Flag(
                "grading changed files or grades it must not: " + "; ".join(moved[:5]),
                kind="grader_error",
            )
        )
        print(f"!!! {student}: grading changed the course: {moved[:5]}", file=sys.stderr)
    if extra_flags:
        flags += extra_flags
        write_flags(path, flags)
        mark_for_review(url, slug, slug, student, None)
    score, max_score = _score(url, slug, student)
    return Outcome(student, done.returncode == 0, score=score, max_score=max_score, flags=flags)


def _score(url: str, slug: str, student: str):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(url) as gb:
        try:
            sub = gb.find_submission(slug, student)
        except MissingEntry:
            return None, None
        return sub.score, sub.max_score


def write_feedback(root: Path, slug: str, outcome: Outcome, extra: list[str]) -> None:
    """The student's HTML feedback (hidden tests redacted); a failure is flagged."""
    if outcome.score is None:
        return
    done = nbgrader(
        root, "generate_feedback", slug, "--student", outcome.student, "--force", *extra
    )
    if done.returncode != 0:
        outcome.flags.append(Flag(f"feedback failed: {_tail(done)}", kind="grader_error"))
