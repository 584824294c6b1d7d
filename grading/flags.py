"""Flags for the TA: what grading could not judge on its own, never a silent 0.

`RecordFlags` runs last in the autograde pipeline (after SaveAutoGrades). When the run raised
flags (kernel death, an unpreparable test, a broken notebook found by submission_check.py), it
writes `autograded/<student>/<assignment>/grading_flags.json` ({"flags": [{"reason", "cell"}]})
and marks the flagged cells (all graded cells when a flag names none) as needing a manual grade,
so they show up in nbgrader's formgrader and in `python -m grading autograde`'s summary.
"""

import json
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

FLAGS_FILE = "grading_flags.json"


def flags_path(config, student: str, assignment: str) -> Path:
    coursedir = CourseDirectory(config=config)
    return (
        Path(coursedir.format_path(coursedir.autograded_directory, student, assignment))
        / FLAGS_FILE
    )


def write_flags(path: Path, flags: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"flags": flags}, indent=1) + "\n")


def read_flags(path: Path) -> list:
    try:
        return json.loads(path.read_text())["flags"]
    except (OSError, ValueError, KeyError):
        return []


def mark_for_review(
    db_url: str, assignment: str, notebook: str, student: str, cells: set | None
) -> None:
    """needs_manual_grade on the named graded cells (all of them if `cells` is None)."""
    with Gradebook(db_url) as gb:
        try:
            submission = gb.find_submission_notebook(notebook, assignment, student)
        except MissingEntry:
            return
        for grade in submission.grades:
            if cells is None or grade.name in cells:
                grade.needs_manual_grade = True
        gb.db.commit()


class RecordFlags(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = flags_path(self.config, info["student"], info["assignment"])
        found = resources.get("dlbook", {}).get("flags", [])
        # Flags found before grading (broken notebook) are already in the file: keep them.
        earlier = [f for f in read_flags(path) if f.get("stage") == "submission"]
        flags = earlier + [f for f in found if f not in earlier]
        if flags:
            write_flags(path, flags)
            names = {f.get("cell") for f in flags}
            mark_for_review(
                info["db_url"],
                info["assignment"],
                info["notebook"],
                info["student"],
                None if None in names else names,
            )
            self.log.warning(
                "%s needs a manual look: %s",
                info["student"],
                "; ".join(f"{f.get('cell')}: {f['reason']}" for f in flags),
            )
        elif path.exists():
            path.unlink()  # a clean regrade clears old flags
        return nb, resources
