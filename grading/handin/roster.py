"""roster.csv: who is who. The course's student ids, and each student's id and name in the LMS.

Grading knows students by their folder in `submitted/` (nbgrader's student id); an LMS knows
them by its own ids: Canvas by a user id (in every download's file names and in its gradebook
CSV), Moodle by the full name (its participant numbers differ per assignment), Blackboard by
username. The roster, `roster.csv` in the course folder, ties them together:

    student,name,email,lms,lms_key,sis_user_id,sis_login_id,section
    jdoe,"Doe, Jane",,canvas,12345,S0042,jdoe,Section 1

`./dlbook collect` adds every student it meets for the first time (their id made from the name
the LMS gives, made unique) and says so; a TA may edit the `student` column before grading
(e.g. to the university login, which is the Unix user on the course server). `./dlbook roster
import-canvas <gradebook export>.csv` fills it from Canvas's own gradebook export (Grades >
Export), so ids are the SIS logins and the grades export has every column Canvas's import needs.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata
from dataclasses import asdict, dataclass, fields
from pathlib import Path

FILE = "roster.csv"


@dataclass
class Entry:
    student: str
    name: str = ""
    email: str = ""
    lms: str = ""  # canvas, moodle, blackboard, folder (or "" for a student known only here)
    lms_key: str = ""  # Canvas user id, Moodle full name, Blackboard username, folder name
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


COLUMNS = [f.name for f in fields(Entry)]


class RosterError(Exception):
    """roster.csv cannot be used as it is (the message says which line and what to change)."""


def safe_id(text: str) -> str:
    """A student id made from a name: ASCII letters, digits, '.', '_' and '-', lower case."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^a-z0-9._-]+", "", plain.lower().replace(" ", ""))
    return plain.lstrip(".-_") or "student"


class Roster:
    def __init__(self, root: Path):
        self.path = Path(root) / FILE
        self.entries: list[Entry] = []
        self.added: list[Entry] = []  # new this run, for the TA's summary
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        with self.path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = {"student"} - set(reader.fieldnames or [])
            if missing:
                raise RosterError(
                    f"{self.path} has no 'student' column (its header is "
                    f"{reader.fieldnames}); its first line must be: {','.join(COLUMNS)}"
                )
            for line, row in enumerate(reader, start=2):
                student = (row.get("student") or "").strip()
                if not student:
                    raise RosterError(f"{self.path}, line {line}: the student column is empty")
                self.entries.append(Entry(**{k: (row.get(k) or "").strip() for k in COLUMNS}))
        seen: dict[tuple[str, str], str] = {}
        for e in self.entries:
            if e.lms and e.lms_key:
                other = seen.setdefault((e.lms, e.lms_key), e.student)
                if other != e.student:
                    raise RosterError(
                        f"{self.path}: {e.lms} id {e.lms_key!r} belongs to both {other!r} and "
                        f"{e.student!r}; keep one of the two lines"
                    )

    def find(self, lms: str, key: str) -> Entry | None:
        for e in self.entries:
            if e.lms == lms and e.lms_key == key:
                return e
        return None

    def by_student(self, student: str) -> list[Entry]:
        return [e for e in self.entries if e.student == student]

    def _unique(self, base: str) -> str:
        taken = {e.student for e in self.entries}
        if base not in taken:
            return base
        n = 2
        while f"{base}{n}" in taken:
            n += 1
        return f"{base}{n}"

    def student_for(self, lms: str, key: str, name: str) -> str:
        """The student id of this LMS user; a new one (recorded in `added`) if never seen."""
        found = self.find(lms, key)
        if found:
            return found.student
        base = safe_id(key if lms in ("blackboard", "folder") else name)
        entry = Entry(self._unique(base), name=name, lms=lms, lms_key=key)
        self.entries.append(entry)
        self.added.append(entry)
        return entry.student

    def save(self) -> None:
        from helpers.files import atomic_write

        rows = [COLUMNS] + [[asdict(e)[k] for k in COLUMNS] for e in self.entries]
        atomic_write(self.path, csv_text(rows))


def csv_text(rows) -> str:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue()


# ------------------------------------------------------------------------------ Canvas import
CANVAS_NEEDED = ["Student", "ID", "SIS Login ID"]
CANVAS_FIELDS = {"Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Integration ID"}
ASSIGNMENT_COLUMN = re.compile(r"^.+\(\d+\)$")


def import_canvas(root: Path, export: Path) -> tuple[int, int]:
    """Add or update a roster line per student of Canvas's gradebook export (Grades > Export).

    The student id is the SIS login (a Unix user name on the course server, usually), else the
    SIS user id, else made from the name. Returns (added, updated)."""
    roster = Roster(root)
    with Path(export).open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in CANVAS_NEEDED if c not in header]
        if missing:
            raise RosterError(
                f"{export} is not Canvas's gradebook export: no {', '.join(missing)} column "
                f"(its header: {header[:6]}). In Canvas: Grades > Export > Export Entire "
                "Gradebook, then give that CSV."
            )
        rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    # Its assignment columns, "Chapter 1: Tensors (123456)": the export fills the chapter's one.
    titles = [h for h in header if ASSIGNMENT_COLUMN.match(h) and h not in CANVAS_FIELDS]
    if titles:
        from helpers.files import atomic_write

        (Path(root) / "handin").mkdir(parents=True, exist_ok=True)
        atomic_write(Path(root) / "handin" / "canvas_columns.txt", "\n".join(titles) + "\n")
    added = updated = 0
    for row in rows:
        # The second line is "Points Possible"; a course's "Student, Test" is Canvas's own.
        if not row.get("ID", "").isdigit() or row.get("Student") == "Student, Test":
            continue
        known = roster.find("canvas", row["ID"])
        fields_ = {
            "name": row.get("Student", ""),
            "sis_user_id": row.get("SIS User ID", ""),
            "sis_login_id": row.get("SIS Login ID", ""),
            "section": row.get("Section", ""),
        }
        if known:
            for k, v in fields_.items():
                setattr(known, k, v)
            updated += 1
            continue
        base = safe_id(fields_["sis_login_id"] or fields_["sis_user_id"] or fields_["name"])
        roster.entries.append(
            Entry(roster._unique(base), lms="canvas", lms_key=row["ID"], **fields_)
        )
        added += 1
    roster.save()
    return added, updated


def main(argv: list[str]) -> int:
    """`python -m grading roster [--root DIR] import-canvas EXPORT.csv`."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m grading roster")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course folder")
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import-canvas", help="fill roster.csv from Canvas's gradebook export")
    imp.add_argument("export", type=Path)
    args = parser.parse_args(argv)
    try:
        added, updated = import_canvas(args.root, args.export)
    except (RosterError, OSError) as error:
        print(f"dlbook roster: {error}", file=sys.stderr)
        return 2
    print(f"{args.root / FILE}: {added} student(s) added, {updated} updated.")
    return 0
