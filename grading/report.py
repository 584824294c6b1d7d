"""The TA's report after grading an assignment, written to `reports/<slug>/`:

    scores.csv     one row per student: total, then the score of every graded cell
    exercises.csv  one row per graded cell: mean, share of full marks, most common failures
    flagged.csv    submissions a person should look at, each with its reason
    histogram.png  the distribution of total scores
    summary.md     the same in a page to read

Every number comes from the gradebook (the record nbgrader exports from); failure messages
come from the graded notebooks' error outputs, flags from the grader's `grading_flags.json`
and from the submitted folders themselves (missing notebook, wrongly named notebook).

    python -m grading report 01_tensors     (cli.py; `python -m grading autograde` writes it too)
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grading.flags import KINDS, Flag, read_flags
from grading.paths import (
    autograded_folder,
    default_db_url,
    flags_file,
    report_folder,
    why_not_gradable,
)
from grading.submission_files import why_refused
from helpers.nbcells import grade_id, nbgrader_metadata

TOP_FAILURES = 3
MAX_MESSAGE = 300  # characters of a failure message kept, cut at a space, never inside a number
NOT_ATTEMPTED = "not attempted"  # an unfinished exercise's NotImplementedError, said plainly


@dataclass
class StudentRow:
    student: str
    total: float
    max_total: float
    cells: dict = field(default_factory=dict)  # grade_id -> (score, max_score)


def student_order(root: Path, students) -> list[str]:
    """`students` as the roster lists them (roster.csv), the ones it does not list after, by id."""
    from grading.handin.roster import Roster, RosterError

    try:
        listed = [e.student for e in Roster(root).entries]
    except (RosterError, OSError, ValueError):
        listed = []  # a broken roster is the collect command's to report; order by id here
    return in_order(students, list(dict.fromkeys(listed)))


def gradebook_rows(db_url: str, slug: str) -> list[StudentRow]:
    """Per student and graded cell, the scores the gradebook holds (manual overrides included)."""
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(db_url, "dlbook") as gb:
        for submission in gb.assignment_submissions(slug):
            row = StudentRow(
                submission.student.id, float(submission.score), float(submission.max_score)
            )
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    row.cells[grade.name] = (float(grade.score), float(grade.max_score))
            rows.append(row)
    return sorted(rows, key=lambda r: r.student)


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    """`text` whole if it fits, else cut at the last space before `limit`, with an ellipsis:
    a number or a name is kept whole or left out, never cut in two."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rstrip()
    space = max(cut.rfind(" "), cut.rfind("\n"))
    return (cut[:space] if space > 0 else cut[:limit]).rstrip() + " …"


def error_message(ename: str, evalue: str) -> str:
    """What a TA reads for a graded cell's error: the message, or "not attempted"."""
    if ename == "NotImplementedError":
        return NOT_ATTEMPTED  # the stub's `raise NotImplementedError()`: nothing was written
    return shorten(f"{ename}: {evalue}" if evalue.strip() else ename)


def exercise_order(root: Path, slug: str) -> list[str]:
    """The graded cells' grade_ids in the order the chapter has them (the instructor's source)."""
    path = Path(root) / "source" / slug / f"{slug}.ipynb"
    if not path.exists():
        return []
    cells = nbformat.read(path, as_version=4).cells
    return [grade_id(c) for c in cells if nbgrader_metadata(c).get("grade") and grade_id(c)]


def in_order(names, order: list[str]) -> list[str]:
    """`names` in the chapter's `order`; any it does not know after them, alphabetically."""
    position = {name: i for i, name in enumerate(order)}
    return sorted(set(names), key=lambda n: (position.get(n, len(position)), n))


def failure_messages(root: Path, slug: str, student: str) -> dict:
    """grade_id -> the error a graded cell ended with (error_message; none if it passed)."""
    path = autograded_folder(root, slug, student) / f"{slug}.ipynb"
    if not path.exists():
        return {}
    found = {}
    for cell in nbformat.read(path, as_version=4).cells:
        # Every graded code cell: tests, and answer cells graded by hand.
        if cell.cell_type != "code" or not nbgrader_metadata(cell).get("grade"):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                ename, evalue = str(output.get("ename", "")), str(output.get("evalue", ""))
                found.setdefault(grade_id(cell), error_message(ename, evalue))
    return found


def flags(root: Path, slug: str, graded_students: set) -> list[tuple[str, Flag]]:
    """(student, Flag) for every submission a person should look at."""
    found = []
    for folder in sorted((root / "submitted").glob(f"*/{slug}")):
        student = folder.parent.name
        refused = why_refused(folder, slug, student)
        reason = refused or why_not_gradable(root, slug, student)
        if reason:
            found.append(
                (student, Flag(reason, kind="refused_files" if refused else "not_gradable"))
            )
            continue
        if student not in graded_students:
            found.append(
                (
                    student,
                    Flag("not graded: run the autograder for this student", kind="not_gradable"),
                )
            )
        found += [(student, flag) for flag in read_flags(flags_file(root, slug, student))]
    return found


def kind_counts(flagged: list[tuple[str, Flag]]) -> list[tuple[str, int, int]]:
    """(kind, flags, students) for every kind that fired, in KINDS' order."""
    by_kind = {}
    for student, flag in flagged:
        by_kind.setdefault(flag.kind, []).append(student)
    return [(k, len(by_kind[k]), len(set(by_kind[k]))) for k in KINDS if k in by_kind]


def exercise_summary(rows: list[StudentRow], failures: dict, order=()) -> list[dict]:
    """Per graded cell, in the chapter's `order`: points, mean, share of full marks and the
    most common failures (a list of (count, message))."""
    cells = in_order({name for row in rows for name in row.cells}, list(order))
    summary = []
    for name in cells:
        scores = [row.cells[name] for row in rows if name in row.cells]
        max_score = max(m for _, m in scores)
        messages = Counter(failures[s][name] for s in failures if failures[s].get(name))
        summary.append(
            {
                "grade_id": name,
                "points": max_score,
                "students": len(scores),
                "mean": round(sum(s for s, _ in scores) / len(scores), 3),
                "full_marks_share": round(sum(s >= m for s, m in scores) / len(scores), 3),
                "common_failures": [(n, msg) for msg, n in messages.most_common(TOP_FAILURES)],
            }
        )
    return summary


def _write_csv(path: Path, header: list, rows: list) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _histogram(rows: list[StudentRow], path: Path, slug: str, keep_open=False) -> None:
    import matplotlib

    matplotlib.use("Agg")  # a file, never a window: the report runs on servers
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(6, 3.5))
    if rows:
        top = max(r.max_total for r in rows)
        ax.hist(
            [r.total for r in rows],
            bins=min(20, max(int(top), 1) + 1),
            range=(0, top),
            color="#4477aa",
            edgecolor="white",
        )
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # students come whole
    ax.set_xlabel("total score")
    ax.set_ylabel("students")
    ax.set_title(f"{slug}: {len(rows)} graded submissions")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    if not keep_open:  # a test looks at the axes
        plt.close(fig)


def write_report(root, slug: str, db_url: str | None = None) -> Path:
    """Write the report files for `slug` and return their folder."""
    root = Path(root).resolve()
    db_url = db_url or default_db_url(root)
    rows = gradebook_rows(db_url, slug)
    position = {s: i for i, s in enumerate(student_order(root, [r.student for r in rows]))}
    rows.sort(key=lambda r: position[r.student])
    failures = {row.student: failure_messages(root, slug, row.student) for row in rows}
    out = report_folder(root, slug)
    out.mkdir(parents=True, exist_ok=True)

    order = exercise_order(root, slug)
    cells = in_order({name for row in rows for name in row.cells}, order)
    _write_csv(
        out / "scores.csv",
        ["student", "total", "max_total", *cells],
        [
            [r.student, r.total, r.max_total, *(r.cells.get(c, ("", ""))[0] for c in cells)]
            for r in rows
        ],
    )
    exercises = exercise_summary(rows, failures, order)
    header = ["grade_id", "points", "students", "mean", "full_marks_share", "common_failures"]
    _write_csv(
        out / "exercises.csv",
        header,
        [[*(e[k] for k in header[:-1]), _failures_text(e["common_failures"])] for e in exercises],
    )
    flagged = flags(root, slug, {r.student for r in rows})
    write_flagged(out / "flagged.csv", flagged)
    _histogram(rows, out / "histogram.png", slug)
    (out / "summary.md").write_text(
        markdown_summary(slug, rows, exercises, flagged), encoding="utf-8"
    )
    return out


def write_flagged(path: Path, flagged: list[tuple[str, Flag]]) -> None:
    """flagged.csv: one row per flag, its kind (flags.KINDS) and cell beside the reason."""
    _write_csv(
        path,
        ["student", "kind", "cell", "reason"],
        [[s, f.kind, f.cell or "", f.reason] for s, f in flagged],
    )


def _failures_text(failures) -> str:
    return "\n".join(f"{n}x {message}" for n, message in failures)


# Markdown that would change how a message reads: emphasis, code, links, HTML, a table's
# column break. Backslash-escaped, any ASCII punctuation stays the character itself.
_MARKDOWN_PUNCTUATION = set("\\`*_[]<>|~&!#")


def md_text(text: str) -> str:
    """`text` as Markdown that renders to exactly `text`, on one line (a table cell or a list
    item): punctuation escaped, line breaks as <br>."""
    escaped = "".join(f"\\{c}" if c in _MARKDOWN_PUNCTUATION else c for c in str(text))
    return "<br>".join(line.strip() for line in escaped.strip().splitlines()) or "-"


def markdown_summary(slug: str, rows, exercises, flagged) -> str:
    lines = [f"# {slug}: grading report", ""]
    if rows:
        mean = sum(r.total for r in rows) / len(rows)
        lines += [
            (f"{len(rows)} graded submissions; mean {mean:.2f} of {rows[0].max_total:g} points."),
            "",
            "![scores](histogram.png)",
            "",
        ]
    lines += [
        "| exercise | points | mean | full marks | most common failures |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {md_text(e['grade_id'])} | {e['points']:g} | {e['mean']:g} | "
        f"{e['full_marks_share']:.0%} | "
        + ("<br>".join(f"{n}x {md_text(m)}" for n, m in e["common_failures"]) or "-")
        + " |"
        for e in exercises
    ]
    people = len({student for student, _ in flagged})
    lines += ["", f"## Flagged for a person ({people} submissions, {len(flagged)} flags)", ""]
    counts = kind_counts(flagged)
    if counts:
        lines += ["| kind | flags | students | what it means |", "|---|---|---|---|"]
        lines += [f"| {k} | {n} | {s} | {KINDS[k]} |" for k, n, s in counts]
        lines.append("")
    lines += [
        f"- {md_text(student)}: {flag.kind}: {md_text(flag.reason)}"
        + (f" ({md_text(flag.cell)})" if flag.cell else "")
        for student, flag in flagged
    ] or ["- none"]
    return "\n".join(lines) + "\n"
