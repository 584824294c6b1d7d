"""Where things are: the course's folders, the book's code a grading kernel may import, and the
cache of reference records (outside the course and outside every sandbox).
"""

import os
from pathlib import Path

BOOK = Path(__file__).resolve().parent.parent
# The only code a grading kernel sees besides the Python environment: read-only copies of these.
KERNEL_PACKAGES = ("helpers", "grading")


def reference_cache() -> Path:
    """Reference records of the instructor's solutions, keyed by a hash (reference.py)."""
    base = os.environ.get("DLBOOK_REFERENCE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "dlbook",
        "grading-reference",
    )
    return Path(base)


def source_folder(config, assignment: str) -> Path:
    """source/<assignment>/ of the course nbgrader is configured for."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    return Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
