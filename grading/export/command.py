"""`./dlbook export NN_slug`: grades and feedback for the LMS, flagged ones held back.

    ./dlbook export 01_tensors                          # exports/01_tensors/ (see __init__.py)
    ./dlbook export 01_tensors --canvas-column "Chapter 1: Tensors (123456)" --points 100
    ./dlbook export 01_tensors --release-feedback       # on the course server: the exchange

Which LMS files are written follows where the students came from (hand-in records, roster);
`--lms` chooses. Exit status 0 when every graded student is ready, 1 when some are held back
(the list says why and what to do), 2 when nothing could be exported.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grading.handin.roster import Roster, RosterError, csv_text

from . import grades, lms
from .grades import HOLD, READY


class ExportError(Exception):
    """Nothing was exported (the message says why and what to do first)."""


GRADES_COLUMNS = [
    "student", "status", "score", "max_score", "raw_score", "late_penalty", "duedate",
    "submitted_at", "hours_late", "lms_late", "reason", "what to do",
]  # fmt: skip


def _grades_csv(rows) -> str:
    lines = [GRADES_COLUMNS]
    for r in rows:
        score = "" if r.score is None else lms._number(r.score)
        lines.append(
            [
                r.student, r.status, score,
                "" if r.max_score is None else lms._number(r.max_score),
                "" if r.raw_score is None else lms._number(r.raw_score),
                lms._number(r.late_penalty), r.duedate, r.submitted_at, r.hours_late,
                "LATE (per the LMS; no time known)" if r.lms_late else "", r.reason, r.todo,
            ]
        )  # fmt: skip
    return csv_text(lines)


def _nbgrader_csv(db_url: str, slug: str, path: Path) -> None:
    """nbgrader's own grades.csv (its CsvExportPlugin), for this assignment only."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    plugin = CsvExportPlugin(to=str(path), assignment=[slug])
    with Gradebook(db_url, "dlbook") as gb:
        plugin.export(gb)


def _which_lms(root: Path, rows, wanted: str) -> list[str]:
    if wanted == "none":
        return []
    if wanted != "auto":
        return [wanted]
    seen = {r.upload.get("lms") for r in rows} | {e.lms for e in Roster(root).entries}
    return [x for x in ("canvas", "moodle") if x in seen]


def export(root, slug, *, db_url=None, lms_names="auto", column=None, scale_to=None):
    """Write exports/<slug>/ and return (rows, held rows with reasons, notes)."""
    from grading.paths import default_db_url
    from helpers.files import atomic_write

    root = Path(root).resolve()
    url = db_url or default_db_url(root)
    rows = grades.collect_rows(root, slug, url)
    if not rows:
        raise ExportError(
            f"nothing to export for {slug}: no grades, submissions or roster "
            f"lines in {root}. Grade first: ./dlbook autograde {slug}"
        )
    out = root / "exports" / slug
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "grades.csv", _grades_csv(rows))
    if any(r.raw_score is not None for r in rows):
        _nbgrader_csv(url, slug, out / "nbgrader-grades.csv")
    held = [(r, r.reason, r.todo) for r in rows if r.status == HOLD]
    notes = []
    for name in _which_lms(root, rows, lms_names):
        if name == "canvas":
            title, note = lms.canvas_column(root, slug, column)
            text, missing = lms.canvas_csv(rows, title, scale_to)
            atomic_write(out / "canvas.csv", text)
        else:
            text, missing = lms.moodle_csv(rows, scale_to)
            atomic_write(out / "moodle.csv", text)
            note = ""
        if note:
            notes.append(note)
        for r in missing:
            held.append(
                (
                    r,
                    f"ready, but no {name} id known",
                    f"add them to roster.csv with their {name} id (Canvas: ./dlbook roster "
                    "import-canvas <gradebook export>.csv), then export again"
                    if name == "canvas"
                    else "they were not collected from a Moodle download: enter the grade "
                    "in Moodle by hand",
                )
            )
    feedback = lms.write_feedback(root, slug, rows, out)
    for student in feedback["missing"]:
        notes.append(
            f"{student}: no feedback file in feedback/{student}/{slug}/ (grade again to make it)"
        )
    atomic_write(
        out / "held_back.csv",
        csv_text([["student", "status", "reason", "what to do"]]
                 + [[r.student, r.status, why, todo] for r, why, todo in held]),
    )  # fmt: skip
    return rows, held, notes


def release_feedback(root: Path, slug: str, rows) -> tuple[int, str]:
    """nbgrader's release_feedback to the ready students only (the exchange keeps the rest)."""
    from grading.student import nbgrader

    held = sorted(r.student for r in rows if r.status != READY)
    args = ["release_feedback", slug]
    if held:
        args.append(f"--CourseDirectory.student_id_exclude={','.join(held)}")
    done = nbgrader(Path(root), *args)
    return done.returncode, (done.stdout + done.stderr).strip()


def _late_text(r) -> str:
    if r.lms_late:
        return f"{r.student} (LATE per the LMS, no time known: no penalty here)"
    return f"{r.student} ({r.hours_late:g} h late, -{lms._number(r.late_penalty)} points)"


def render(slug: str, rows, held, notes, out: Path) -> str:
    ready = [r for r in rows if r.status == READY]
    n_held = len({r.student for r, _, _ in held})
    n_none = sum(r.status == grades.NONE for r in rows)
    head = f"{slug}: {len(ready)} ready to upload, {n_held} held back, {n_none} with no grade."
    lines = [f"{head} Files: {out}/"]
    late = [r for r in ready if r.late_penalty or r.lms_late]
    if late:
        lines.append("Late: " + ", ".join(_late_text(r) for r in late))
    if held:
        lines += ["", "Held back (not in any upload file):"]
        for r, why, todo in held:
            lines.append(f"  {r.student}: {why}")
            lines.append(f"      -> {todo}")
    for note in notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grading export",
        description="Grades and feedback for the LMS; flagged submissions held back.",
    )
    parser.add_argument("assignment", help="NN_slug")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course folder")
    parser.add_argument("--db-url", default=None, help="gradebook URL (default: the course's)")
    parser.add_argument(
        "--lms",
        choices=["auto", "canvas", "moodle", "none"],
        default="auto",
        help="which upload files (default: those of the LMSs the students came from)",
    )
    parser.add_argument(
        "--canvas-column", default=None, help="the Canvas assignment's column title"
    )
    parser.add_argument("--points", type=float, default=None, help="scale scores to this maximum")
    parser.add_argument(
        "--release-feedback",
        action="store_true",
        help="also release feedback through nbgrader's exchange (ready students only)",
    )
    args = parser.parse_args(argv)
    try:
        rows, held, notes = export(
            args.root, args.assignment, db_url=args.db_url, lms_names=args.lms,
            column=args.canvas_column, scale_to=args.points,
        )  # fmt: skip
    except (RosterError, ExportError) as error:
        print(f"dlbook export: {error}", file=sys.stderr)
        return 2
    out = args.root.resolve() / "exports" / args.assignment
    print(render(args.assignment, rows, held, notes, out))
    if args.release_feedback:
        code, log = release_feedback(args.root.resolve(), args.assignment, rows)
        if code:
            print(f"dlbook export: release_feedback failed:\n{log}", file=sys.stderr)
            return 2
        print(
            f"Feedback released through the exchange to the {sum(r.status == READY for r in rows)} ready student(s)."
        )
    return 1 if held else 0
