"""Where things are: the course's folders and the files grading leaves in them, the book's code a
grading kernel may import, the gradebook's default address and the reference-record cache.

Every name of a folder or marker file the grader writes is spelled here once:

    submitted/<student>/<slug>/<slug>.ipynb     what the student handed in
    autograded/<student>/<slug>/                nbgrader's graded copy, and beside it
        grading_flags.json                      what a person must look at (flags.py)
        .dlbook-graded.json                     "graded from exactly these files" (batch.py)
    gradebook.db                                the default SQLite gradebook
    reports/<slug>/                             the TA's report (report.py)

Depends on nothing of the book's but submission_files.py; nbgrader only inside the functions that take its config.
"""

import os
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent
# The only code a grading kernel sees besides the Python environment: read-only copies of these.
KERNEL_PACKAGES = ("helpers", "grading")

FLAGS_FILE = "grading_flags.json"
GRADED_MARKER = ".dlbook-graded.json"
GRADEBOOK_FILE = "gradebook.db"


def default_db_url(root) -> str:
    """The gradebook nbgrader uses by default: SQLite in the course folder."""
    return f"sqlite:///{Path(root) / GRADEBOOK_FILE}"


def submission_folder(root, slug: str, student: str) -> Path:
    return Path(root) / "submitted" / student / slug


def autograded_folder(root, slug: str, student: str) -> Path:
    return Path(root) / "autograded" / student / slug


def flags_file(root, slug: str, student: str) -> Path:
    return autograded_folder(root, slug, student) / FLAGS_FILE


def graded_marker(root, slug: str, student: str) -> Path:
    return autograded_folder(root, slug, student) / GRADED_MARKER


def report_folder(root, slug: str) -> Path:
    return Path(root) / "reports" / slug


def submitted_students(root, slug: str) -> list[str]:
    """Students with a submitted folder for this assignment, in a stable order."""
    base = Path(root) / "submitted"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / slug).is_dir())


def why_not_gradable(root, slug: str, student: str) -> str:
    """Why a submitted folder cannot be graded as it is ("" when it can)."""
    from grading.submission_files import why_refused

    folder = submission_folder(root, slug, student)
    refused = why_refused(folder, slug, student)  # links, FIFOs, devices: before anything else
    if refused:
        return refused
    if (folder / f"{slug}.ipynb").is_file():
        return ""
    others = sorted(p.name for p in folder.glob("*.ipynb"))
    if others:
        return (
            f"wrong file name: {', '.join(others)} (expected {slug}.ipynb; rename it, then "
            f"grade this student again with --student {student})"
        )
    return f"missing notebook: no {slug}.ipynb was submitted"


def reference_cache() -> Path:
    """Reference records of the instructor's solutions, keyed by a hash (verdict/reference.py)."""
    base = os.environ.get("DLBOOK_REFERENCE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "dlbook",
        "grading-reference",
    )
    return Path(base)


def source_notebook(config, assignment: str, notebook: str) -> Path:
    """source/<assignment>/<notebook>.ipynb of the course nbgrader is configured for."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    folder = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
    return folder / f"{notebook}.ipynb"


def configured_flags_file(config, student: str, assignment: str) -> Path:
    """grading_flags.json of a student, in the autograded folder nbgrader is configured for."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    folder = coursedir.format_path(coursedir.autograded_directory, student, assignment)
    return Path(folder) / FLAGS_FILE
