"""Whose file is it? The names Canvas, Moodle and Blackboard give uploads in a bulk download.

Each LMS prefixes every uploaded file with who uploaded it; the rest is the file's own name:

    Canvas      doejane_12345_67890_01_tensors.ipynb         name, user id, submission id, file
                doejane_LATE_12345_67890_01_tensors-1.ipynb  after the due date; the second upload
                                                             of a file of that name (`-1`)
    Moodle      Jane Doe_123456_assignsubmission_file_01_tensors.ipynb     (flat download)
                Jane Doe_123456_assignsubmission_file_/01_tensors.ipynb    (one folder each, the
                                                             default since Moodle 3.1); the number
                                                             is a per-assignment participant id
    Blackboard  Chapter 1_jdoe_attempt_2027-01-15-16-59-03_01_tensors.ipynb   assignment, username,
                                                             attempt time; plus a receipt
                Chapter 1_jdoe_attempt_2027-01-15-16-59-03.txt ("Name: Jane Doe (jdoe)" ...)
    folders     alice/01_tensors.ipynb                       a zip the TA made: a folder per student

(nbgrader's `zip_collect` takes one regular expression per course for this; here all four are
recognised per file, so a download that mixes them, or a TA's re-zipped folder, still works.)
`match` reads one path inside the download, from the file outward (a Canvas upload may itself be
a zip of folders, a Moodle download puts files in per-student folders).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

CANVAS = re.compile(r"^(?P<name>[^_/]+?)(?P<late>_LATE)?_(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
CANVAS_COUNTER = re.compile(r"^(?P<stem>.+)-(?P<n>\d+)(?P<ext>\.[A-Za-z0-9]+)?$")
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$")
BLACKBOARD = re.compile(
    r"^(?P<head>(?P<assignment>.+)_(?P<user>[^_]+)_attempt_"
    r"(?P<time>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d))(?:_(?P<file>.+))?$"
)
BLACKBOARD_HEAD = re.compile(r"^(?P<head>.+_attempt_\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_(?P<file>.+)$")
RECEIPT_NAME = re.compile(r"^\s*Name:\s*(?P<name>.*?)\s*\((?P<user>[^()\s]+)\)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Upload:
    """One uploaded file and who uploaded it, as the download's names say."""

    lms: str  # "canvas", "moodle", "blackboard" or "folder"
    key: str  # the student in that LMS: Canvas user id, Moodle full name, username, folder
    name: str  # the student's name as the file name gives it
    filename: str  # the file's own name (the LMS's prefix and Canvas's `-N` counter removed)
    prefix: str = ""  # the LMS's prefix: a feedback file named so is matched on re-upload
    ref: str = ""  # per-assignment id: Canvas submission id, Moodle participant id
    late: bool = False  # the LMS marked it late (Canvas: LATE)
    submitted_at: datetime | None = None  # when, where the name says (Blackboard)
    resubmission: int = 0  # Canvas: the Nth re-upload of a file with this name


@dataclass(frozen=True)
class Receipt:
    """A Blackboard attempt's .txt receipt: who the attempt belongs to."""

    head: str  # the file-name part every file of this attempt starts with
    user: str
    name: str


def _canvas(part: str) -> Upload | None:
    m = CANVAS.match(part)
    if not m:
        return None
    filename, counter = m["file"], 0
    c = CANVAS_COUNTER.match(filename)
    if c:  # Canvas numbers a re-uploaded file of the same name: 01_tensors-1.ipynb
        filename, counter = c["stem"] + (c["ext"] or ""), int(c["n"])
    prefix = part[: len(part) - len(m["file"])]
    return Upload(
        "canvas",
        m["id"],
        m["name"],
        filename,
        prefix=prefix,
        ref=m["sub"],
        late=bool(m["late"]),
        resubmission=counter,
    )


def _moodle(part: str) -> Upload | None:
    m = MOODLE.match(part)
    if not m:
        return None
    prefix = part[: len(part) - len(m["file"])]
    return Upload("moodle", m["name"], m["name"], m["file"], prefix=prefix, ref=m["id"])


def _blackboard(part: str, receipts: dict[str, Receipt]) -> Upload | None:
    head = BLACKBOARD_HEAD.match(part)
    receipt = receipts.get(head["head"]) if head else None
    m = BLACKBOARD.match(part)
    if not m or not m["file"]:
        return None
    user = receipt.user if receipt else m["user"]  # the receipt knows usernames with a "_"
    name = receipt.name if receipt else m["user"]
    when = datetime.strptime(m["time"], "%Y-%m-%d-%H-%M-%S")
    return Upload("blackboard", user, name, m["file"], prefix=m["head"] + "_", submitted_at=when)


def blackboard_receipt(filename: str, text: str) -> Receipt | None:
    """The receipt Blackboard writes next to each attempt's files, or None if this is not one."""
    if not is_receipt_name(filename):
        return None
    m = BLACKBOARD.match(filename[: -len(".txt")])
    found = RECEIPT_NAME.search(text)
    if found:
        return Receipt(m["head"], found["user"], found["name"])
    return Receipt(m["head"], m["user"], m["user"])


def is_receipt_name(filename: str) -> bool:
    """A Blackboard receipt: `<assignment>_<user>_attempt_<time>.txt`, no file name after it."""
    if not filename.endswith(".txt"):
        return False
    m = BLACKBOARD.match(filename[: -len(".txt")])
    return bool(m) and not m["file"]


def match_part(part: str, receipts: dict[str, Receipt] | None = None) -> Upload | None:
    """The upload a single file or folder name describes, or None if it has no LMS shape."""
    return _moodle(part) or _blackboard(part, receipts or {}) or _canvas(part)


def match(parts: tuple[str, ...], receipts: dict[str, Receipt] | None = None) -> Upload | None:
    """Who uploaded the file at `parts` (its path inside the download; a nested zip's name is a
    part), read from the file outward: the file's own name first, then the folders or zips that
    hold it. A file inside an LMS-named folder or zip keeps that upload's student and prefix and
    its own name. Without an LMS shape, the first folder names the student ("folder")."""
    leaf = parts[-1]
    found = match_part(leaf, receipts)
    if found:
        return found
    for part in reversed(parts[:-1]):
        holder = match_part(part.rstrip("/"), receipts)
        if holder:
            return replace(holder, filename=leaf, resubmission=holder.resubmission)
    if len(parts) >= 2:
        return Upload("folder", parts[0], parts[0], leaf)
    return None
