"""The files a TA uploads to the LMS: gradebook CSVs and feedback named for bulk upload.

Canvas (Grades > Import): a CSV with `Student, ID, SIS User ID, SIS Login ID, Section` and one
column per assignment titled as in Canvas's own gradebook export, `Name (assignment id)`;
Canvas matches students by ID (the Canvas user id: from the roster, or from the download's file
names) and the column by the id in parentheses (a title without one makes a new assignment).

Moodle (Assignment > View all submissions > Upload grading worksheet, with "offline grading
worksheet" on): its worksheet CSV, `Identifier` being `Participant <id>`, the per-assignment
number in the download's file names.

Feedback files (Canvas's Re-Upload Submissions, Moodle's "Upload multiple feedback files in a
zip"): each student's feedback HTML named with the prefix their upload had in the download
(`doejane_12345_67890_`, `Jane Doe_123456_assignsubmission_file_`), so the LMS attaches it to
that student.

Only READY rows go into any of these; the rest are listed by the caller.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from grading.handin.notebooks import chapter_from_name
from grading.handin.roster import ASSIGNMENT_COLUMN, csv_text, safe_id

from .grades import READY, Row

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = [
    "Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
    "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
    "Feedback comments",
]  # fmt: skip
COLUMNS_FILE = "canvas_columns.txt"  # assignment column titles, from the roster import


def _number(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def points(row: Row, scale_to: float | None) -> str:
    if scale_to and row.max_score:
        return _number(row.score * scale_to / row.max_score)
    return _number(row.score)


def canvas_column(root: Path, slug: str, given: str | None) -> tuple[str, str]:
    """(the assignment column's title, a note for the TA if it will make a new assignment)."""
    if given:
        note = (
            ""
            if ASSIGNMENT_COLUMN.match(given)  # 'Name (id)', as roster.py reads them
            else (
                f"the column {given!r} has no '(assignment id)': Canvas will make a new assignment "
                "of that name instead of filling an existing one"
            )
        )
        return given, note
    known = Path(root, "handin", COLUMNS_FILE)
    titles = known.read_text(encoding="utf-8").splitlines() if known.exists() else []
    slugs = [p.name for p in Path(root, "source").glob("[0-9][0-9]_*")] or [slug]
    matching = [t for t in titles if chapter_from_name(t.rsplit("(", 1)[0], slugs) == slug]
    if len(matching) == 1:
        return matching[0], ""
    return slug, (
        f"no Canvas assignment column is known for {slug}: Canvas will make a new assignment "
        f"named {slug!r}. To fill an existing one, pass --canvas-column with its title as "
        "Canvas's gradebook export writes it, e.g. 'Chapter 1: Tensors (123456)'"
    )


def canvas_csv(rows: list[Row], column: str, scale_to: float | None) -> tuple[str, list[Row]]:
    """(Canvas's import CSV of the ready rows that have a Canvas id, the ready rows without)."""
    lines, missing = [CANVAS_HEADER + [column]], []
    for r in rows:
        if r.status != READY:
            continue
        canvas_id = r.lms_id("canvas")
        if not canvas_id:
            missing.append(r)
            continue
        e = r.entry("canvas")
        lines.append(
            [
                (e.name if e else "") or r.upload.get("name", r.student),
                canvas_id,
                e.sis_user_id if e else "",
                e.sis_login_id if e else "",
                e.section if e else "",
                points(r, scale_to),
            ]
        )
    return csv_text(lines), missing


def moodle_csv(rows: list[Row], scale_to: float | None) -> tuple[str, list[Row]]:
    """(Moodle's grading worksheet of the ready rows collected from Moodle, the others)."""
    lines, missing = [MOODLE_HEADER], []
    for r in rows:
        if r.status != READY:
            continue
        participant = r.lms_id("moodle")
        if not participant:
            missing.append(r)
            continue
        e = r.entry("moodle")
        top = scale_to or r.max_score
        lines.append(
            [
                f"Participant {participant}",
                r.upload.get("name", ""),
                e.email if e else "",
                "Submitted for grading",
                points(r, scale_to),
                _number(top),
                "Yes",
                "",
                "",
                "",
            ]
        )
    return csv_text(lines), missing


def feedback_name(row: Row, slug: str) -> str:
    """The name the LMS's bulk feedback upload matches to this student."""
    prefix = row.upload.get("prefix", "")
    if prefix:
        return f"{prefix}{slug}-feedback.html"
    return f"{safe_id(row.student)}_{slug}-feedback.html"


def write_feedback(root: Path, slug: str, rows: list[Row], out: Path) -> dict[str, list[str]]:
    """Copy each ready student's feedback into `out/feedback/`, named for upload, and zip them
    per LMS. Returns {"written": [...], "missing": [students without a feedback file]}."""
    folder = out / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    by_lms: dict[str, list[Path]] = {}
    written, missing = [], []
    for r in rows:
        if r.status != READY:
            continue
        html = root / "feedback" / r.student / slug / f"{slug}.html"
        if not html.exists():
            missing.append(r.student)
            continue
        target = folder / feedback_name(r, slug)
        target.write_bytes(html.read_bytes())
        written.append(target.name)
        by_lms.setdefault(r.upload.get("lms") or "other", []).append(target)
    for lms in ("canvas", "moodle"):
        if lms in by_lms:
            with zipfile.ZipFile(out / f"{lms}-feedback.zip", "w", zipfile.ZIP_DEFLATED) as z:
                for path in by_lms[lms]:
                    z.write(path, path.name)
    return {"written": written, "missing": missing}
