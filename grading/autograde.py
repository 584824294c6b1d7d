"""Dispatch: grade every submission of one assignment, never losing one.

    python -m grading autograde NN_slug [--student S ...] [--workers N] [--dask ADDRESS]
                                        [--db-url URL] [--force] [nbgrader options]

1. the sandbox must be available (or explicitly opted out of); 2. the instructor's version is
recorded in the gradebook; 3. each student is graded by `nbgrader autograde NN_slug --student S
--force` in its own process (`grade_student`; forked, see nbgrader_process.py), so one broken
submission cannot abort the batch -- several at once on this machine or on a Dask cluster, and
only those not already graded from the same submission and source (batch.py); 4. every graded
student gets feedback; 5. the course and the other students' gradebook rows are checked
unchanged; 6. a summary of scores and flags, and the TA's report (report.py). Exit status 1
if any student could not be graded (flagged).
"""

import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grading import integrity, nbgrader_process, sandbox
from grading.course import BOOK
from grading.flags import FLAGS_FILE, mark_for_review, read_flags, write_flags


@dataclass
class Result:
    student: str
    ok: bool
    score: float | None = None
    max_score: float | None = None
    flags: list = field(default_factory=list)


def nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    # cwd: the book's nbgrader_config.py (sandbox, verdict) applies to every course root.
    return nbgrader_process.run([*args, f"--CourseDirectory.root={root}"], cwd=str(BOOK))


def _tail(done: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
    errors = [ln for ln in lines if "ERROR" in ln or "Error" in ln]
    return (errors or lines or ["no output"])[-1][:300]


def db_url(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def grade_student(
    root: Path,
    slug: str,
    student: str,
    extra: list[str],
    url: str | None = None,
    check_integrity: bool = True,
) -> Result:
    """Autograde one student's submission; flag instead of failing; check nothing else moved.

    `check_integrity=False` when other students are graded at the same time (their rows
    change then): the batch checks the course before and after instead (batch.py).
    """
    url = url or db_url(root)
    before = integrity.snapshot(root, url, {student}) if check_integrity else None
    done = nbgrader(root, "autograde", slug, "--student", student, "--force", *extra)
    after = integrity.snapshot(root, url, {student}) if check_integrity else None
    flags_file = root / "autograded" / student / slug / FLAGS_FILE
    flags = read_flags(flags_file)
    extra_flags = []
    if done.returncode != 0:
        extra_flags.append({"reason": f"nbgrader autograde failed: {_tail(done)}", "cell": None})
    moved = integrity.changes(before, after) if check_integrity else []
    if moved:
        extra_flags.append(
            {
                "reason": "grading changed files or grades it must not: " + "; ".join(moved[:5]),
                "cell": None,
            }
        )
        print(f"!!! {student}: grading changed the course: {moved[:5]}", file=sys.stderr)
    if extra_flags:
        flags += extra_flags
        write_flags(flags_file, flags)
        mark_for_review(url, slug, slug, student, None)
    score = _score(url, slug, student)
    return Result(student, done.returncode == 0, *score, flags=flags)


def _score(url: str, slug: str, student: str):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(url) as gb:
        try:
            sub = gb.find_submission(slug, student)
        except MissingEntry:
            return None, None
        return sub.score, sub.max_score


def check_sandbox() -> bool:
    """False (with the message printed) when grading must not start."""
    if not sandbox.enabled():
        print(f"!!! {sandbox.OPT_OUT}=1: grading WITHOUT a sandbox.", file=sys.stderr)
        return True
    try:
        sandbox.require_bwrap()
    except sandbox.SandboxUnavailable as error:
        print(f"dlbook autograde: {error}", file=sys.stderr)
        return False
    return True


def record_assignment(root: Path, slug: str, extra: list[str]) -> bool:
    """Put the instructor's version (cells, tests, points) in the gradebook, which autograde
    restores tests from, without touching the committed release/. Once, before any worker."""
    with tempfile.TemporaryDirectory() as scratch:
        done = nbgrader(
            root,
            "generate_assignment",
            slug,
            "--force",
            f"--CourseDirectory.release_directory={scratch}",
            "--log-level=WARN",
            *extra,
        )
    if done.returncode != 0:
        print(
            f"dlbook autograde: could not record {slug} in the gradebook:\n{done.stderr}",
            file=sys.stderr,
        )
    return done.returncode == 0


def write_feedback(root: Path, slug: str, result: Result, extra: list[str]) -> None:
    if result.score is None:
        return
    done = nbgrader(root, "generate_feedback", slug, "--student", result.student, "--force", *extra)
    if done.returncode != 0:
        result.flags.append({"reason": f"feedback failed: {_tail(done)}", "cell": None})


def summary(results: list[Result]) -> str:
    lines = ["", "student                score   flags (needs a manual look)"]
    for r in results:
        score = "not graded" if r.score is None else f"{r.score:g} / {r.max_score:g}"
        reasons = "; ".join(f"{f.get('cell') or 'notebook'}: {f['reason']}" for f in r.flags)
        lines.append(f"{r.student:<22} {score:<7} {reasons or '-'}")
    flagged = sum(1 for r in results if r.flags)
    lines.append(
        f"{len(results)} graded, {flagged} flagged (see autograded/<student>/<slug>/"
        f"{FLAGS_FILE}; flagged cells are marked needs-manual-grade)."
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m grading autograde")
    parser.add_argument("assignment", help="NN_slug")
    parser.add_argument(
        "--student",
        action="append",
        default=[],
        help="grade this student (repeatable); always regrades them",
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course folder")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="submissions graded at once on this machine (default: the cores + 1)",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="grade on the Dask cluster whose scheduler is at ADDRESS",
    )
    parser.add_argument(
        "--db-url",
        default=None,
        help="gradebook URL (default sqlite:///<root>/gradebook.db); PostgreSQL "
        "when graders run on several machines",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="regrade everyone, also those graded from the same submission",
    )
    parser.add_argument("--no-report", action="store_true", help="skip the TA report")
    args, extra = parser.parse_known_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    root = args.root
    for arg in list(extra):
        if arg.startswith("--CourseDirectory.root="):  # nbgrader's spelling of --root
            root = Path(arg.split("=", 1)[1])
            extra.remove(arg)
    from grading import batch

    return batch.main(
        root.resolve(),
        args.assignment,
        students=args.student,
        workers=args.workers,
        dask=args.dask,
        url=args.db_url,
        force=args.force,
        report=not args.no_report,
        extra=extra,
    )
