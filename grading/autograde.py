"""Dispatch: grade every submission of one assignment, one student at a time, never losing one.

    python -m grading autograde NN_slug [--student S ...] [nbgrader options]

1. the sandbox must be available (or explicitly opted out of); 2. the instructor's version is
recorded in the gradebook; 3. each student is graded by `nbgrader autograde NN_slug --student S
--force` in its own process (`grade_student`, the unit a parallel runner distributes), so one
broken submission cannot abort the batch, with the course and the other students' gradebook
rows checked before and after; 4. every graded student gets feedback; 5. a summary of scores
and flags for the TA. Exit status 1 if any student could not be graded (they are flagged).
"""
import argparse
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grading import integrity, sandbox
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
    cmd = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={root}"]
    # cwd: the book's nbgrader_config.py (sandbox, verdict) applies to every course root.
    return subprocess.run(cmd, cwd=BOOK, capture_output=True, text=True, check=False)


def _tail(done: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
    errors = [ln for ln in lines if "ERROR" in ln or "Error" in ln]
    return (errors or lines or ["no output"])[-1][:300]


def db_url(root: Path) -> str:
    return f"sqlite:///{root / 'gradebook.db'}"


def grade_student(root: Path, slug: str, student: str, extra: list[str]) -> Result:
    """Autograde one student's submission; flag instead of failing; check nothing else moved."""
    before = integrity.snapshot(root, db_url(root), student)
    done = nbgrader(root, "autograde", slug, "--student", student, "--force", *extra)
    after = integrity.snapshot(root, db_url(root), student)
    flags_file = root / "autograded" / student / slug / FLAGS_FILE
    flags = read_flags(flags_file)
    extra_flags = []
    if done.returncode != 0:
        extra_flags.append({"reason": f"nbgrader autograde failed: {_tail(done)}", "cell": None})
    moved = integrity.changes(before, after)
    if moved:
        extra_flags.append({"reason": "grading changed files or grades it must not: "
                            + "; ".join(moved[:5]), "cell": None})
        print(f"!!! {student}: grading changed the course: {moved[:5]}", file=sys.stderr)
    if extra_flags:
        flags += extra_flags
        write_flags(flags_file, flags)
        mark_for_review(db_url(root), slug, slug, student, None)
    score = _score(root, slug, student)
    return Result(student, done.returncode == 0, *score, flags=flags)


def _score(root: Path, slug: str, student: str):
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url(root)) as gb:
        try:
            sub = gb.find_submission(slug, student)
        except MissingEntry:
            return None, None
        return sub.score, sub.max_score


def students(root: Path, slug: str, chosen: list[str]) -> list[str]:
    if chosen:
        return chosen
    return sorted(p.parent.name for p in (root / "submitted").glob(f"*/{slug}") if p.is_dir())


def run(root: Path, slug: str, chosen: list[str], extra: list[str]) -> int:
    if sandbox.enabled():
        try:
            sandbox.require_bwrap()
        except sandbox.SandboxUnavailable as error:
            print(f"dlbook autograde: {error}", file=sys.stderr)
            return 2
    else:
        print(f"!!! {sandbox.OPT_OUT}=1: grading WITHOUT a sandbox.", file=sys.stderr)
    with tempfile.TemporaryDirectory() as scratch:
        # Record the instructor's version (cells, tests, points) in the gradebook, which
        # autograde restores tests from, without touching the committed release/.
        done = nbgrader(root, "generate_assignment", slug, "--force",
                        f"--CourseDirectory.release_directory={scratch}", "--log-level=WARN")
    if done.returncode != 0:
        print(f"dlbook autograde: could not record {slug} in the gradebook:\n{done.stderr}",
              file=sys.stderr)
        return 2
    results = []
    for student in students(root, slug, chosen):
        print(f"== grading {student}", flush=True)
        results.append(grade_student(root, slug, student, extra))
    for r in results:
        if r.score is not None:
            done = nbgrader(root, "generate_feedback", slug, "--student", r.student, "--force")
            if done.returncode != 0:
                r.flags.append({"reason": f"feedback failed: {_tail(done)}", "cell": None})
    print(summary(results))
    return 0 if all(r.ok for r in results) else 1


def summary(results: list[Result]) -> str:
    lines = ["", "student                score   flags (needs a manual look)"]
    for r in results:
        score = "not graded" if r.score is None else f"{r.score:g} / {r.max_score:g}"
        reasons = "; ".join(f"{f.get('cell') or 'notebook'}: {f['reason']}" for f in r.flags)
        lines.append(f"{r.student:<22} {score:<7} {reasons or '-'}")
    flagged = sum(1 for r in results if r.flags)
    lines.append(f"{len(results)} graded, {flagged} flagged (see autograded/<student>/<slug>/"
                 f"{FLAGS_FILE}; flagged cells are marked needs-manual-grade).")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m grading autograde")
    parser.add_argument("assignment", help="NN_slug")
    parser.add_argument("--student", action="append", default=[], help="one student (repeatable)")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="course folder")
    args, extra = parser.parse_known_args(argv)
    root = args.root
    for arg in list(extra):
        if arg.startswith("--CourseDirectory.root="):  # nbgrader's spelling of --root
            root = Path(arg.split("=", 1)[1])
            extra.remove(arg)
    extra = [a for a in extra if a != "--force"]  # always --force: a regrade must regrade
    return run(root.resolve(), args.assignment, args.student, extra)
