"""Bulk downloads shaped like Canvas's, Moodle's and Blackboard's, for the hand-in tests.

The names follow what each LMS writes (grading/handin/shapes.py has the shapes and where they
come from); the notebooks are the book's own release notebooks, optionally with an answer
filled in, so the chapter is known from their graded cells as in a real download.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def release_notebook(slug: str) -> dict:
    return json.loads((ROOT / "release" / slug / f"{slug}.ipynb").read_text(encoding="utf-8"))


def with_answer(slug: str, grade_id: str, source: str) -> bytes:
    """The release notebook of `slug` with `source` in the answer cell `grade_id`."""
    nb = release_notebook(slug)
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = source
            break
    else:
        raise KeyError(grade_id)
    return json.dumps(nb, indent=1).encode()


def notebook_bytes(slug: str, marker: str = "") -> bytes:
    """The release notebook of `slug`, made distinct by `marker` (a markdown cell) if given."""
    nb = release_notebook(slug)
    if marker:
        nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": marker, "id": "m"})
    return json.dumps(nb, indent=1).encode()


def canvas(name: str, user_id: int, submission_id: int, filename: str, late=False) -> str:
    return f"{name}{'_LATE' if late else ''}_{user_id}_{submission_id}_{filename}"


def moodle(full_name: str, participant: int, filename: str, folders: bool = True) -> str:
    sep = "/" if folders else ""
    return f"{full_name}_{participant}_assignsubmission_file_{sep}{filename}"


def blackboard(assignment: str, user: str, when: datetime, filename: str | None = None) -> str:
    head = f"{assignment}_{user}_attempt_{when:%Y-%m-%d-%H-%M-%S}"
    return f"{head}_{filename}" if filename else f"{head}.txt"


def blackboard_receipt(full_name: str, user: str, assignment: str, when: datetime, files) -> bytes:
    lines = [
        f"Name: {full_name} ({user})",
        f"Assignment: {assignment}",
        f"Date Submitted: {when:%A, %d %B %Y %H:%M:%S} o'clock",
        "Current Grade: Needs Grading",
        "",
        "Submission Field:",
        "There is no student submission text data for this assignment.",
        "",
        "Comments:",
        "There are no student comments for this assignment.",
        "",
        "Files:",
    ]
    for original, stored in files:
        lines += [f"\tOriginal filename: {original}", f"\tFilename: {stored}"]
    return "\n".join(lines).encode()


def zip_bytes(entries) -> bytes:
    """A zip of (name, data) or (name, data, datetime) entries."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for entry in entries:
            name, data = entry[0], entry[1]
            info = zipfile.ZipInfo(
                name,
                date_time=(
                    entry[2] if len(entry) > 2 else datetime(2027, 1, 15, 12, 0)
                ).timetuple()[:6],
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


def write_zip(path: Path, entries) -> Path:
    path.write_bytes(zip_bytes(entries))
    return path


def course(tmp: Path, slugs=("01_tensors", "02_autograd")) -> Path:
    """A course folder with the book's instructor notebooks for `slugs` (what collect reads)."""
    root = tmp / "course"
    for slug in slugs:
        shutil.copytree(ROOT / "source" / slug, root / "source" / slug)
    return root
