"""`./dlbook collect NN_slug DOWNLOAD`: an LMS's bulk download -> `submitted/`, nothing dropped.

    ./dlbook collect 01_tensors submissions.zip          # Canvas, Moodle or Blackboard zip
    ./dlbook collect 01_tensors ~/Downloads/unzipped/    # or the folder it was extracted to
    ./dlbook collect 01_tensors submissions.zip --dry-run --timezone Europe/Berlin

For every file of the download: whose it is (shapes.py, roster.py), what it is (notebooks.py).
Per student, the newest notebook of this chapter (by the attempt time Blackboard gives, Canvas's
re-upload counter, then the zip's file times) goes to `submitted/<student>/<slug>/<slug>.ipynb`
with nbgrader's `timestamp.txt` where the time is known, so nbgrader's late penalty applies.
A notebook already there is replaced only by a newer one, and moved to
`handin/<slug>/replaced/`, never overwritten. Every other file is kept in `handin/<slug>/unused/`
and listed with what to do; the download itself is kept in `handin/<slug>/downloads/`. The list
is printed and written to `reports/<slug>/handin.csv`; `handin/<slug>/uploads.csv` records
each student's LMS ids and file-name prefix, which the grades and feedback export uses.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from . import archive, notebooks, shapes
from .roster import Roster, RosterError, csv_text
from .summary import Item, Summary, render  # also importable from here, as before

MANIFEST_COLUMNS = [
    "student", "lms", "lms_key", "name", "ref", "prefix", "uploaded_as", "late",
    "submitted_at", "collected_at", "download",
]  # fmt: skip


class CollectError(Exception):
    """Nothing was collected: the chapter or the download cannot be used (message says why)."""


def _strip_wrappers(members: list[archive.Member]) -> None:
    """A folder around everything (the zip extracted and zipped again) names nobody: drop it."""
    while members and all(len(m.parts) > 1 for m in members):
        top = {m.parts[0] for m in members}
        if len(top) != 1 or shapes.match_part(next(iter(top))):
            return
        for m in members:
            m.parts = m.parts[1:]


def _safe_parts(parts) -> list[str]:
    out = []
    for p in parts:
        p = "".join(c if c.isprintable() and c not in '<>:"\\|?*' else "_" for c in p).strip()
        out.append(p.strip(".") or "_")
    return out


def _utc(when: datetime, tz: str) -> datetime:
    """A local time in the LMS's zone as naive UTC (nbgrader's parse_utc gives the same)."""
    from dateutil.tz import gettz

    zone = gettz(tz)
    if zone is None:
        raise CollectError(f"unknown time zone {tz!r}: give one like UTC or Europe/Berlin")
    return when.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


def timestamp_text(utc: datetime) -> str:
    """A timestamp.txt line nbgrader reads (its parse_utc), for a naive UTC time."""
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f") + " UTC"


def _existing_time(folder: Path) -> datetime | None:
    from nbgrader.utils import parse_utc

    stamp = folder / "timestamp.txt"
    try:
        return parse_utc(stamp.read_text().strip())
    except (OSError, ValueError):
        return None


class Collector:
    def __init__(self, root: Path, slug: str, download: Path, tz: str = "UTC", dry_run=False):
        self.root, self.slug, self.download = Path(root).resolve(), slug, Path(download)
        self.tz, self.dry_run = tz, dry_run
        self.now = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.chapters = notebooks.chapter_grade_ids(self.root)
        if slug not in self.chapters:
            known = ", ".join(sorted(self.chapters)) or "none"
            raise CollectError(
                f"no chapter {slug!r} in {self.root}/source (chapters there: {known}); give "
                "the chapter's folder name, e.g. 01_tensors"
            )
        self.handin = self.root / "handin" / slug
        self.roster = Roster(self.root)
        self.summary = Summary(slug)

    # -------------------------------------------------------------------------- judging
    def read(self) -> list[Item]:
        members, self.summary.litter = archive.read_download(self.download)
        _strip_wrappers(members)
        receipts = {}
        for m in members:
            if shapes.is_receipt_name(m.name):
                r = shapes.blackboard_receipt(m.name, m.data.decode("utf-8", "replace"))
                receipts[r.head] = r
        items = []
        for m in members:
            if shapes.is_receipt_name(m.name):
                self.summary.receipts += 1
                continue
            item = Item(m, shapes.match(m.parts, receipts))
            if item.upload:
                u = item.upload
                item.student = self.roster.student_for(u.lms, u.key, u.name)
            if not m.problem and item.upload:
                item.content = notebooks.read(m.data, item.upload.filename, self.chapters)
            items.append(item)
        self.summary.items = items
        self.summary.new_students = list(self.roster.added)
        return items

    def _is_candidate(self, item: Item) -> bool:
        c = item.content
        if c is None or c.notebook is None:
            return False
        return c.chapter == self.slug or (c.chapter is None and c.named == self.slug)

    def judge(self, items: list[Item]) -> dict[str, Item]:
        """Each student's chosen notebook; every other item gets its outcome and what to do."""
        slug = self.slug
        chosen: dict[str, Item] = {}
        by_student: dict[str, list[Item]] = {}
        for item in items:
            if item.upload is None:
                where = item.member.where
                item.outcome = "whose it is cannot be told from its name"
                item.todo = (
                    f"find whose file {where!r} is, then put it at submitted/<student>/{slug}/"
                    f"{slug}.ipynb (or into a folder named for the student in the download) and "
                    "collect again"
                )
                continue
            by_student.setdefault(item.student, []).append(item)
        for student, mine in sorted(by_student.items()):
            candidates = sorted((i for i in mine if self._is_candidate(i)), key=Item.order)
            winner = candidates[-1] if candidates else None
            if winner:
                chosen[student] = winner
                self._note_rename(winner)
            for item in mine:
                if item is not winner:
                    self._judge_other(item, winner)
        return chosen

    def _note_rename(self, item: Item) -> None:
        c, name = item.content, item.upload.filename
        notes = []
        if c.chapter is None:
            notes.append("it has none of the chapter's graded cells (grading will flag it)")
        if notebooks.plain_stem(name) != self.slug or name != f"{self.slug}.ipynb":
            notes.append(f"uploaded as {name!r}")
        if c.note:
            notes.append(c.note)
        if item.upload.late:
            notes.append(
                f"marked LATE by {item.upload.lms.capitalize()}, which gives no time: the export "
                "says so and takes no penalty for it"
            )
        item.outcome = "used" + (f" ({'; '.join(notes)})" if notes else "")

    def _judge_other(self, item: Item, winner: Item | None) -> None:
        slug, student, c = self.slug, item.student, item.content
        regrade = f"and grade them with ./dlbook autograde {slug} --student {student}"
        if item.member.problem or (c and c.notebook is None):
            what = item.member.problem or c.problem
            item.outcome = f"not used: {what}"
            if winner is None:
                item.todo = (
                    f"ask {student} to upload {slug}.ipynb again (in Jupyter or Colab: File > "
                    f"Download > .ipynb); then collect the new download {regrade}"
                )
            return
        if self._is_candidate(item):  # an older or duplicate upload of this chapter
            same = item.member.data == winner.member.data
            if same:
                item.outcome = f"not used: the same notebook as {winner.member.where!r}"
            elif item.order() == winner.order():
                item.outcome = f"not used: {winner.member.where!r} was used instead"
                item.todo = (
                    f"{student} uploaded two different {slug} notebooks and nothing says which "
                    f"is newer; {winner.member.where!r} was used. If this one was meant, copy it "
                    f"(kept in handin/{slug}/unused/) to submitted/{student}/{slug}/{slug}.ipynb "
                    + regrade
                )
            else:
                item.outcome = f"not used: older than {winner.member.where!r}"
            return
        other = c.chapter or c.named
        if c.chapter and c.chapter != slug:
            what = f"chapter {c.chapter}'s notebook (by its graded cells)"
        elif c.chapter is None and c.named and c.named != slug:
            what = f"a notebook named for chapter {c.named}"
        else:
            what = f"a notebook with none of {slug}'s graded cells"
        item.outcome = f"not used: {what}"
        if winner is None:
            also = (
                f"; if it is their {other} work, collect it there: ./dlbook collect {other} "
                f"{self.download}"
                if other
                else ""
            )
            item.todo = f"ask {student} for their {slug} notebook{also}"

    # -------------------------------------------------------------------------- writing
    def place(self, chosen: dict[str, Item]) -> None:
        for student, item in sorted(chosen.items()):
            folder = self.root / "submitted" / student / self.slug
            target = folder / f"{self.slug}.ipynb"
            data = item.member.data
            incoming = item.upload.submitted_at
            incoming_utc = _utc(incoming, self.tz) if incoming else None
            if target.exists() and target.read_bytes() == data:
                item.outcome = item.outcome.replace("used", "used (already in submitted/)", 1)
                self.summary.placed.append(student)
                continue
            if target.exists():
                have = _existing_time(folder)
                if have and incoming_utc and have > incoming_utc:
                    item.outcome = (
                        f"not used: older ({incoming_utc:%Y-%m-%d %H:%M} UTC) than the notebook "
                        f"already in submitted/{student}/{self.slug}/ ({have:%Y-%m-%d %H:%M} UTC)"
                    )
                    self._keep(item)
                    continue
                moved = self.handin / "replaced" / student / self.now
                if not self.dry_run:
                    moved.mkdir(parents=True, exist_ok=True)
                    for f in (target, folder / "timestamp.txt"):
                        if f.exists():
                            shutil.move(str(f), moved / f.name)
                item.outcome += f"; the earlier notebook moved to {moved.relative_to(self.root)}/"
            if not self.dry_run:
                from helpers.files import atomic_write

                folder.mkdir(parents=True, exist_ok=True)
                atomic_write(target, data)
                stamp = folder / "timestamp.txt"
                if incoming_utc:
                    atomic_write(stamp, timestamp_text(incoming_utc))
                elif stamp.exists():  # it dated a notebook that is no longer there
                    stamp.unlink()
            self.summary.placed.append(student)

    def _keep(self, item: Item) -> None:
        who = item.student or "_whose_unknown"
        path = self.handin / "unused" / who / Path(*_safe_parts(item.member.parts))
        item.kept = path
        if not self.dry_run and item.member.data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(item.member.data)

    def keep_rest(self, chosen: dict[str, Item]) -> None:
        used = {id(i) for i in chosen.values()}
        for item in self.summary.items:
            if id(item) not in used and item.kept is None:
                self._keep(item)
        if self.dry_run:
            return
        downloads = self.handin / "downloads"
        downloads.mkdir(parents=True, exist_ok=True)
        if self.download.is_file():
            shutil.copy2(self.download, downloads / f"{self.now}-{self.download.name}")

    def write_records(self, chosen: dict[str, Item]) -> None:
        if self.dry_run:
            return
        from helpers.files import atomic_write

        manifest = self.handin / "uploads.csv"
        rows = {}
        if manifest.exists():
            with manifest.open(newline="", encoding="utf-8") as f:
                rows = {r["student"]: r for r in csv.DictReader(f)}
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        for student, item in chosen.items():
            if student not in self.summary.placed or item.outcome.startswith("not used"):
                continue
            u = item.upload
            when = u.submitted_at.isoformat(sep=" ") if u.submitted_at else ""
            values = [student, u.lms, u.key, u.name, u.ref, u.prefix, item.member.where]
            values += ["yes" if u.late else "", when, stamp, str(self.download)]
            rows[student] = dict(zip(MANIFEST_COLUMNS, values, strict=True))
        lines = [MANIFEST_COLUMNS] + [
            [r.get(k, "") for k in MANIFEST_COLUMNS] for r in rows.values()
        ]
        atomic_write(manifest, csv_text(lines))
        report = self.root / "reports" / self.slug
        report.mkdir(parents=True, exist_ok=True)
        table = [["student", "file", "outcome", "what to do", "kept at"]]
        for i in self.summary.items:
            kept = str(i.kept.relative_to(self.root)) if i.kept else ""
            table.append([i.student, i.member.where, i.outcome, i.todo, kept])
        atomic_write(report / "handin.csv", csv_text(table))
        self.roster.save()

    def run(self) -> Summary:
        items = self.read()
        chosen = self.judge(items)
        self.place(chosen)
        self.keep_rest(chosen)
        self.write_records(chosen)
        return self.summary


def collect(root, slug: str, download, tz: str = "UTC", dry_run: bool = False) -> Summary:
    """Collect `download` for chapter `slug` into the course at `root` (see the module)."""
    return Collector(Path(root), slug, Path(download), tz, dry_run).run()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grading collect",
        description="Put an LMS's bulk download of notebooks where grading expects them.",
    )
    parser.add_argument("assignment", help="the chapter, NN_slug (e.g. 01_tensors)")
    parser.add_argument("download", type=Path, help="the LMS's zip, or the folder it unpacks to")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course folder")
    parser.add_argument(
        "--timezone",
        default="UTC",
        help="the LMS's time zone, for the attempt times in Blackboard's file names (default UTC)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would happen; change nothing"
    )
    args = parser.parse_args(argv)
    try:
        summary = collect(args.root, args.assignment, args.download, args.timezone, args.dry_run)
    except (CollectError, archive.DownloadError, RosterError) as error:
        print(f"dlbook collect: {error}", file=sys.stderr)
        return 2
    print(render(summary, args.dry_run))
    return 0
