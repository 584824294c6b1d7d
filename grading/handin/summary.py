"""What `./dlbook collect` did with a download: each file's outcome, and the TA's list.

`Item` is one file of the download (whose, what it is, what became of it, what a person must
do about it); `Summary` is the whole run; `render` is the text collect.py prints. collect.py
decides the outcomes; this module only records and words them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import archive, notebooks, shapes


@dataclass
class Item:
    """One file of the download and what became of it."""

    member: archive.Member
    upload: shapes.Upload | None = None
    student: str = ""
    content: notebooks.Content | None = None
    outcome: str = ""
    todo: str = ""  # what the TA must do about it ("" if nothing)
    kept: Path | None = None  # where it was kept, if not placed

    def order(self) -> tuple:
        """Newer sorts later: the attempt time, Canvas's counter, not an autosave, zip time."""
        u, m = self.upload, self.member
        never = datetime.min
        return (
            u.submitted_at or never,
            u.resubmission,
            "-checkpoint" not in m.name and ".ipynb_checkpoints" not in m.parts,
            m.mtime or never,
        )


@dataclass
class Summary:
    slug: str
    items: list[Item] = field(default_factory=list)
    placed: list[str] = field(default_factory=list)
    litter: int = 0
    receipts: int = 0
    new_students: list = field(default_factory=list)

    @property
    def todo(self) -> list[Item]:
        return [i for i in self.items if i.todo]


def render(summary: Summary, dry_run: bool = False) -> str:
    s = summary
    lines = [
        f"{'Would place' if dry_run else 'Placed'} {len(s.placed)} notebook(s) in "
        f"submitted/<student>/{s.slug}/; {len(s.items)} file(s) read"
        + (f", {s.receipts} Blackboard receipt(s)" if s.receipts else "")
        + (f", {s.litter} system file(s) skipped (__MACOSX, .DS_Store)" if s.litter else "")
        + "."
    ]
    if s.new_students:
        lines.append(
            f"New in roster.csv ({len(s.new_students)}): "
            + ", ".join(f"{e.student} ({e.lms} {e.lms_key!r})" for e in s.new_students)
        )
    others = [i for i in s.items if not i.todo and i.outcome and i.outcome != "used"]
    if others:
        lines.append("")
        lines.append("Resolved on its own:")
        lines += [f"  {i.student or '?'}: {i.member.where}: {i.outcome}" for i in others]
    lines.append("")
    if s.todo:
        lines.append(f"Needs you ({len(s.todo)}):")
        for i in s.todo:
            lines.append(f"  {i.student or '?'}: {i.member.where}: {i.outcome}")
            lines.append(f"      -> {i.todo}")
    else:
        lines.append("Nothing needs you.")
    if not dry_run:
        lines.append(f"The list: reports/{s.slug}/handin.csv. Next: ./dlbook autograde {s.slug}")
    return "\n".join(lines)
