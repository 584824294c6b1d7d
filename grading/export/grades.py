"""One row per student of an assignment: the score to report, and whether it may be reported.

Everything comes from the course folder as grading left it: scores, late penalties, deadline and
submission times from the gradebook (nbgrader's record; a TA's manual grades in the Formgrader
included); flags from `autograded/<student>/<slug>/grading_flags.json`; whether the grade is
from the notebook now in `submitted/` (batch.py's marker); the hand-in list
(`reports/<slug>/handin.csv`) for uploads that never became a submission; LMS ids from the
roster and the hand-in records (`handin/<slug>/uploads.csv`).

A row's status is READY (may be uploaded), HOLD (a person must look first: the reason says at
what, `todo` what to do) or NONE (no grade: nothing submitted that could be graded).
"""

from __future__ import annotations

import csv
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grading.handin.roster import Roster

READY, HOLD, NONE = "ready", "HOLD", "no grade"


@dataclass
class Row:
    student: str
    status: str = NONE
    reason: str = ""
    todo: str = ""
    raw_score: float | None = None
    late_penalty: float = 0.0
    max_score: float | None = None
    duedate: str = ""
    submitted_at: str = ""
    hours_late: float = 0.0
    lms_late: bool = False  # the LMS marked the upload late (Canvas LATE), time unknown
    upload: dict = field(default_factory=dict)  # this student's hand-in record, if any
    roster: list = field(default_factory=list)  # their roster entries

    @property
    def score(self) -> float | None:
        if self.raw_score is None:
            return None
        return max(0.0, self.raw_score - self.late_penalty)

    def lms_id(self, lms: str) -> str:
        """This student's id in `lms` (Canvas user id; Moodle's participant id for this
        assignment, which only the hand-in record knows), or ""."""
        if lms == "moodle":
            return self.upload.get("ref", "") if self.upload.get("lms") == "moodle" else ""
        if self.upload.get("lms") == lms and self.upload.get("lms_key"):
            return self.upload["lms_key"]
        for e in self.roster:
            if e.lms == lms and e.lms_key:
                return e.lms_key
        return ""

    def entry(self, lms: str):
        for e in self.roster:
            if e.lms == lms:
                return e
        return self.roster[0] if self.roster else None


def _read_csv(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _flags(root: Path, slug: str, student: str) -> list[str]:
    from grading.flags import read_flags
    from grading.paths import flags_file

    return [f"{f.where}: {f.reason}" for f in read_flags(flags_file(root, slug, student))]


@contextmanager
def _gradebook(db_url: str):
    """nbgrader's gradebook, or None where a SQLite one does not exist (never create one)."""
    from nbgrader.api import Gradebook

    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///") :]).exists():
        yield None
        return
    with Gradebook(db_url, "dlbook") as gb:
        yield gb


def collect_rows(root, slug: str, db_url: str | None = None) -> list[Row]:
    """Every student who has a grade, a submission, an upload or a roster line, sorted."""
    from nbgrader.api import MissingEntry

    from grading.batch import is_up_to_date
    from grading.paths import default_db_url, why_not_gradable

    root = Path(root).resolve()
    db_url = db_url or default_db_url(root)
    roster = Roster(root)
    uploads = {r["student"]: r for r in _read_csv(root / "handin" / slug / "uploads.csv")}
    rows: dict[str, Row] = {}

    def row(student: str) -> Row:
        if student not in rows:
            rows[student] = Row(
                student, upload=uploads.get(student, {}), roster=roster.by_student(student)
            )
        return rows[student]

    with _gradebook(db_url) as gb:
        try:
            assignment = gb.find_assignment(slug) if gb else None
        except MissingEntry:
            assignment = None
        due = assignment.duedate if assignment else None
        duedate = f"{due:%Y-%m-%d %H:%M} UTC" if due else ""
        for sub in gb.assignment_submissions(slug) if assignment else []:
            r = row(sub.student.id)
            r.raw_score, r.max_score = float(sub.score), float(sub.max_score)
            r.late_penalty = float(sub.late_submission_penalty or 0.0)
            r.duedate = duedate
            r.submitted_at = f"{sub.timestamp:%Y-%m-%d %H:%M} UTC" if sub.timestamp else ""
            r.hours_late = round(float(sub.total_seconds_late or 0) / 3600, 2)
            manual = [g.name for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade]
            flags = _flags(root, slug, r.student)
            if manual:
                r.status = HOLD
                r.reason = "; ".join(flags) or f"needs a manual grade: {', '.join(manual)}"
                r.todo = (
                    f"look at it in the Formgrader (Manual Grading > {slug}) and give the "
                    f"flagged cells ({', '.join(manual)}) a score; then export again"
                )
            elif not is_up_to_date(root, slug, r.student):
                r.status = HOLD
                r.reason = (
                    "the grade is not from the notebook now in submitted/ (resubmitted "
                    "since, or graded outside ./dlbook autograde)"
                )
                r.todo = f"grade it again: ./dlbook autograde {slug} --student {r.student}"
            else:
                r.status = READY
                r.reason = ("flag reviewed: " + "; ".join(flags)) if flags else ""
    submitted = root / "submitted"
    for folder in sorted(submitted.glob(f"*/{slug}")) if submitted.is_dir() else []:
        r = row(folder.parent.name)
        if r.raw_score is None:
            why = why_not_gradable(root, slug, r.student) or "not graded yet"
            r.status, r.reason = HOLD, why
            r.todo = (
                f"fix what the reason says, then: ./dlbook autograde {slug} --student {r.student}"
            )
    for item in _read_csv(root / "reports" / slug / "handin.csv"):
        student, todo = item.get("student", ""), item.get("what to do", "")
        if student and todo and row(student).raw_score is None and not row(student).todo:
            r = row(student)
            r.status, r.reason, r.todo = HOLD, f"hand-in: {item.get('outcome', '')}", todo
    for entry in roster.entries:
        r = row(entry.student)
        if r.status == NONE and not r.reason:
            r.reason = "nothing submitted"
    for r in rows.values():
        r.lms_late = r.upload.get("late") == "yes" and not r.submitted_at
    return [rows[s] for s in sorted(rows)]
