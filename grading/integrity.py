"""After each student: did grading change anything it must not? (It should never, sandboxed.)

A snapshot is a hash of every course file outside the graded students' own autograded/feedback
folders, the gradebook and the TA's reports, plus every gradebook row of the *other* students.
Grading some students may change only their rows and folders. (Taken around one student when
students are graded one at a time, around the whole batch when several are graded at once.)
"""

import hashlib
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

SKIP_PARTS = {".git", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".ruff_cache"}


def _files(root: Path, students: set) -> dict:
    mine = {root / "autograded" / s for s in students} | {root / "feedback" / s for s in students}
    mine.add(root / "reports")
    digests = {}
    for path in sorted(root.rglob("*")):
        if SKIP_PARTS & set(path.parts) or not path.is_file() or path.name == "gradebook.db":
            continue
        if any(m in path.parents for m in mine):
            continue
        digests[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def _rows(db_url: str, students: set) -> dict:
    rows = {}
    with Gradebook(db_url) as gb:
        for other in gb.students:
            if other.id in students:
                continue
            for assignment in gb.assignments:
                try:
                    sub = gb.find_submission(assignment.name, other.id)
                except MissingEntry:  # no submission: nothing to keep
                    continue
                for nb in sub.notebooks:
                    for g in nb.grades:
                        rows[(other.id, assignment.name, nb.name, g.name)] = (
                            g.auto_score,
                            g.manual_score,
                            g.extra_credit,
                            g.needs_manual_grade,
                        )
                    for c in nb.comments:
                        rows[(other.id, assignment.name, nb.name, c.name, "comment")] = (
                            c.auto_comment,
                            c.manual_comment,
                        )
    return rows


def snapshot(root: Path, db_url: str, students: set) -> dict:
    return {"files": _files(root, students), "rows": _rows(db_url, students)}


def changes(before: dict, after: dict) -> list[str]:
    """What differs, in words (empty when nothing did)."""
    out = []
    files_b, files_a = before["files"], after["files"]
    for name in sorted(files_b.keys() | files_a.keys()):
        if files_b.get(name) != files_a.get(name):
            out.append(
                f"course file {name} was "
                + (
                    "added"
                    if name not in files_b
                    else "removed"
                    if name not in files_a
                    else "changed"
                )
            )
    rows_b, rows_a = before["rows"], after["rows"]
    for key in sorted(rows_b.keys() | rows_a.keys(), key=str):
        if rows_b.get(key) != rows_a.get(key):
            out.append(f"gradebook row of another student changed: {key}")
    return out
