"""The command line: every `python -m grading <command>` (what `./dlbook autograde` runs).

    python -m grading autograde NN_slug [--student S ...] [--workers N] [--dask ADDRESS]
                                        [--db-url URL] [--force] [--no-report]
                                        [nbgrader options]
    python -m grading report NN_slug [--root DIR] [--db-url URL]
    python -m grading collect NN_slug DOWNLOAD    (grading/handin: an LMS's zip -> submitted/)
    python -m grading roster ...                  (grading/handin/roster.py)
    python -m grading export NN_slug              (grading/export: grades, feedback for the LMS)
    python -m grading hub ...                     (grading/hub: the course server)

autograde: 1. the sandbox must be available (or explicitly opted out of); 2. the instructor's
version is recorded in the gradebook; 3. each student is graded by `nbgrader autograde NN_slug
--student S --force` in its own process (student.py), several at once on this machine or on a
Dask cluster, and only those not already graded from the same submission and source (batch.py);
4. every graded student gets feedback; 5. the course and the other students' gradebook rows are
checked unchanged; 6. a summary of scores and flags, and the TA's report (report.py).

This is the only module that turns errors into messages and exit statuses:
0 all graded; 1 a student could not be graded, grading changed the course, or a named student
has no submission; 2 grading cannot start (no sandbox, the assignment not recordable, bad
usage); 130 interrupted (what was graded is kept).
"""

import argparse
import sys
from pathlib import Path

from grading import batch
from grading.report import write_report
from grading.sandbox import bubblewrap as sandbox
from grading.student import AssignmentNotRecorded

USAGE = (
    "usage: python -m grading {autograde,report,collect,roster,export,hub} ... (--help for each)"
)


def _autograde_parser() -> argparse.ArgumentParser:
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
    return parser


def sandbox_ready() -> bool:
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


def unknown_assignment(root: Path, assignment: str) -> str:
    """Why `assignment` is not one of the course's, or "" when it is (a typo must not read as
    "0 graded" and exit 0)."""
    if (root / "source" / assignment).is_dir():
        return ""
    known = sorted(p.name for p in (root / "source").glob("*/") if p.is_dir())
    listed = ", ".join(known) if known else "none: the course has no source/ folder here"
    return (
        f"no assignment {assignment!r} in {root / 'source'} (the course's assignments: {listed})."
        " Check the name, or give the course folder with --root."
    )


def autograde(argv: list[str]) -> int:
    parser = _autograde_parser()
    args, extra = parser.parse_known_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    root = args.root
    for arg in list(extra):
        if arg.startswith("--CourseDirectory.root="):  # nbgrader's spelling of --root
            root = Path(arg.split("=", 1)[1])
            extra.remove(arg)
    root = root.resolve()
    unknown = unknown_assignment(root, args.assignment)
    if unknown:
        print(f"dlbook autograde: {unknown}", file=sys.stderr)
        return 2
    if not sandbox_ready():
        return 2
    try:
        summary = batch.grade_batch(
            root,
            args.assignment,
            students=args.student,
            workers=args.workers,
            db_url=args.db_url,
            dask=args.dask,
            force=args.force,
            extra=extra,
        )
    except batch.UnknownStudents as error:
        print(f"dlbook: {error}", file=sys.stderr)
        return 1
    except AssignmentNotRecorded as error:
        print(f"dlbook autograde: {error}", file=sys.stderr)
        return 2
    print(batch.summary_text(summary, args.assignment))
    if summary.interrupted:
        return 130
    if not args.no_report and (summary.graded or summary.skipped):
        print(f"TA report: {write_report(root, args.assignment, db_url=args.db_url)}")
    return 1 if summary.failed or summary.integrity else 0


def report(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m grading report")
    parser.add_argument("assignment", help="NN_slug")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course folder")
    parser.add_argument("--db-url", default=None, help="gradebook URL (default: the course's)")
    args = parser.parse_args(argv)
    print(write_report(args.root, args.assignment, db_url=args.db_url))
    return 0


def _course_command(module: str):
    """A course tool's own command line, imported only when asked for."""

    def run(argv: list[str]) -> int:
        import importlib

        return importlib.import_module(module).main(argv)

    return run


def _handin(name: str):
    def run(argv: list[str]) -> int:
        from grading.handin import collect, roster

        return {"collect": collect.main, "roster": roster.main}[name](argv)

    return run


COMMANDS = {
    "autograde": autograde,
    "report": report,
    "collect": _handin("collect"),
    "roster": _handin("roster"),
    "export": _course_command("grading.export.command"),
    "hub": _course_command("grading.hub.command"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        print(USAGE, file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])
