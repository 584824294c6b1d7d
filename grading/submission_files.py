"""Only regular files enter grading: what in a submitted folder is refused, and why.

nbgrader reads the submitted notebook and copies every other file of the folder into
`autograded/` (and on into `feedback/`) with `shutil.copy`, which follows links. So a submitted
`01_tensors.ipynb` that is a symlink to `source/01_tensors/01_tensors.ipynb` is graded as the
student's work, and a data file that is a symlink (or a hard link) to `gradebook.db` lands in
the student's feedback folder. A FIFO or a device blocks the copy or reads the grader's
devices. Nothing a student can hand in needs any of these, so the whole submission is refused
before nbgrader touches it, and the TA is told which file and what to do:

    refused(folder)  -> [(relative path, reason)]    every entry that is not a plain file
    why_refused(folder, slug, student) -> ""  or one message for the TA

Called by paths.why_not_gradable (so the batch, its summary and the report's flagged.csv see
it) and again by student.grade_student right before nbgrader runs. Looks at the entries
themselves (`os.lstat`), never at what a link points to. Imports nothing of the book's.
"""

import os
import stat
from pathlib import Path

# Entries of a folder tree walked before nbgrader copies it: more means an archive bomb or a
# link loop, and the submission is refused rather than walked for minutes.
MAX_ENTRIES = 10_000


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def refused(folder) -> list[tuple[str, str]]:
    """(path relative to `folder`, reason) for each entry that may not enter grading.

    Refused: symbolic links (to anything, files or folders), hard links (a regular file with
    more than one name: another name may be a course file, and which one cannot be told from
    here), FIFOs, sockets and devices. The folder and the student's folder above it must be
    real folders.
    """
    folder = Path(folder)
    # The folder and the student's folder above it: submitted/mallory -> submitted/alice
    # would grade alice's work as mallory's.
    for where, path in ((".", folder), ("..", folder.parent)):
        try:
            top = os.lstat(path)
        except OSError as error:
            return [(where, f"cannot be read ({error.strerror})")]
        if not stat.S_ISDIR(top.st_mode):
            return [(where, f"the folder is {_kind(top.st_mode)}")]
    found, seen = [], 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in sorted(dirnames + filenames):
            seen += 1
            if seen > MAX_ENTRIES:
                return found + [(".", f"more than {MAX_ENTRIES} files and folders")]
            path = Path(dirpath) / name
            rel = str(path.relative_to(folder))
            try:
                info = os.lstat(path)
            except OSError as error:
                found.append((rel, f"cannot be read ({error.strerror})"))
                continue
            if stat.S_ISDIR(info.st_mode):
                continue
            if not stat.S_ISREG(info.st_mode):
                found.append((rel, _kind(info.st_mode)))
            elif info.st_nlink > 1:
                found.append((rel, f"a hard link ({info.st_nlink} names for one file)"))
        # os.walk lists a symlinked folder among dirnames but does not enter it: refused above.
    return found


def why_refused(folder, slug: str, student: str) -> str:
    """One message for the TA ("" when every entry is a plain file)."""
    found = refused(folder)
    if not found:
        return ""
    listed = "; ".join(f"{rel}: {why}" for rel, why in found[:5])
    more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
    return (
        f"refused, not graded: submitted/{student}/{slug}/ holds entries that are not plain "
        f"files: {listed}{more}. Look at them (a link to a course file is an attempt to grade "
        "the solution or copy the gradebook), replace each with a plain copy of the student's "
        f"own file or delete it, then grade again with --student {student}"
    )
