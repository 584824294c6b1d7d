"""Flags for the TA: what grading could not judge on its own, never a silent 0.

A `Flag` is one reason a person should look at a submission: a kernel death, a test cell that
could not be prepared, a broken notebook, a failed nbgrader command. Flags are collected while a
notebook is graded (`note`, into nbgrader's `resources`), written to
`autograded/<student>/<slug>/grading_flags.json` as
`{"flags": [{"kind", "reason", "cell"[, "stage"]}]}` and read back by the summary and the report
(`read_flags`); the flagged cells are marked needs-manual-grade in the gradebook
(`mark_for_review`), so they show up in the formgrader too.
This module is the only one that knows the file's format.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from grading.paths import FLAGS_FILE

# Every flag has a kind: what class of problem it is, so the TA's report can count them
# (flagged.csv's `kind` column, summary.md) and a TA can filter for, say, the thefts. One
# place for the names; a Flag with another kind is a bug and raises.
KINDS = {
    "by_hand": "a by-hand exercise reached a routine it must not use",
    "introspection": "answer code inspects test-time objects or disables a guard (source scan)",
    "refused_files": "the submission held links, FIFOs or devices: refused before grading",
    "output_cap": "outputs past the per-cell or per-notebook size cap were cut",
    "time_budget": "the notebook ran past its time budget, or an ungraded cell timed out",
    "unsafe_html": "markdown or outputs held scripts, event handlers or javascript: (removed)",
    "verdict_mismatch": "the grader's verdict disagrees with what the notebook showed",
    "kernel_death": "the kernel died or grading stopped early",
    "broken_notebook": "the notebook's structure was changed (cells deleted, unlocked, renamed)",
    "not_gradable": "no notebook of the right name was submitted, or it was not graded",
    "grader_error": "the grader itself failed (nbgrader, feedback, a test cell, the course files)",
}
OTHER = "grader_error"  # flags written before kinds existed read back as this

# Flags found before the notebook runs (a broken notebook) carry this stage; the ones found
# later replace the rest of the file, these are kept (preprocessors/record_flags.py).
SUBMISSION_STAGE = "submission"


@dataclass(frozen=True)
class Flag:
    reason: str
    cell: str | None = None  # the grade_id it concerns; None: the whole notebook
    stage: str | None = None  # SUBMISSION_STAGE for structural problems found before running
    kind: str = OTHER  # one of KINDS

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown flag kind {self.kind!r}; use one of {', '.join(KINDS)}")

    @property
    def where(self) -> str:
        return self.cell or "notebook"

    def as_json(self) -> dict:
        out = {"kind": self.kind, "reason": self.reason, "cell": self.cell}
        if self.stage is not None:
            out["stage"] = self.stage
        return out

    @classmethod
    def from_json(cls, data: dict) -> "Flag":
        kind = data.get("kind", OTHER)
        return cls(
            str(data.get("reason", "flagged")),
            data.get("cell"),
            data.get("stage"),
            kind if kind in KINDS else OTHER,
        )


def describe(flags) -> str:
    """`cell: reason; cell: reason`, for logs and the summary table."""
    return "; ".join(f"{f.where}: {f.reason}" for f in flags)


def write_flags(path: Path, flags) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"flags": [f.as_json() for f in flags]}, indent=1) + "\n")


def read_flags(path: Path) -> list[Flag]:
    """The flags in `path`: none if there is no file, one saying so if it cannot be read."""
    try:
        text = Path(path).read_text()
    except OSError:
        return []
    try:
        return [Flag.from_json(f) for f in json.loads(text)["flags"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return [Flag(f"unreadable {FLAGS_FILE}", kind="grader_error")]


def note(resources: dict, reason: str, cell: str | None = None, kind: str = OTHER) -> None:
    """Flag something while a notebook is graded (written out at the end by RecordFlags)."""
    flag = Flag(reason, cell, kind=kind)
    resources.setdefault("dlbook", {}).setdefault("flags", []).append(flag)


def noted(resources: dict) -> list[Flag]:
    """The flags `note` collected in these resources."""
    return list(resources.get("dlbook", {}).get("flags", []))


def mark_for_review(
    db_url: str, assignment: str, notebook: str, student: str, cells: set | None
) -> None:
    """needs_manual_grade on the named graded cells (all of them if `cells` is None)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            submission = gb.find_submission_notebook(notebook, assignment, student)
        except MissingEntry:
            return
        for grade in submission.grades:
            if cells is None or grade.name in cells:
                grade.needs_manual_grade = True
        gb.db.commit()


def cells_to_review(flags) -> set | None:
    """The grade_ids the flags name; None (every graded cell) when one names the notebook."""
    names = {f.cell for f in flags}
    return None if None in names else names
