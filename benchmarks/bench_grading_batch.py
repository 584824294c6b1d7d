"""Grading a class: stock serial `nbgrader autograde` vs `./dlbook autograde` (parallel).

Run: ./dlbook python -m benchmarks.bench_grading_batch [--students 20] [--workers N]
(writes benchmarks/results/grading_batch.md)

Both graders run in the same course setup, on the same machine, one after the other, with
nbgrader_config.py as a TA has it (so both use the sandbox when it is configured): 20
chapter-01 submissions, mixed (correct, blank, one exercise wrong). Stock nbgrader grades one
submission after another; `./dlbook autograde` runs one `nbgrader autograde --student S` per
worker. The per-submission cost and the measured parallel efficiency give the projections for
a 16-core machine and for N machines.
"""
import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from grading import batch
from tests.nbgrader_course import Course, exercises, nbg, with_cell
from tests.wrong_answers import wrong_answers
from tools.build import ROOT, tool_env

SLUG = "01_tensors"
COURSE_STUDENTS, COURSE_CHAPTERS = 300, 7  # the course size the issue asks about


def make_course(root: Path, n: int) -> Course:
    course = Course(root)
    course.add_source(SLUG)
    course.nbgrader("generate_assignment", SLUG, "--force")
    source, release = course.source(SLUG), course.release(SLUG)
    gid, wrong_src = wrong_answers()[SLUG]
    index = next(i for i, _ in exercises(source) if nbg(source.cells[i])["grade_id"] == gid)
    wrong = with_cell(source, index, wrong_src)
    for i in range(n):
        course.submit(f"s{i:03d}", SLUG, (source, release, wrong)[i % 3])
    return course


def time_stock(root: Path) -> float:
    cmd = [sys.executable, "-m", "nbgrader", "autograde", SLUG, "--force",
           f"--CourseDirectory.root={root}", "--log-level=WARN"]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=tool_env(), check=True, capture_output=True)
    return time.perf_counter() - start


def time_dlbook(root: Path, workers: int) -> float:
    start = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        summary = batch.grade_batch(root, SLUG, workers=workers, force=True, stream=quiet)
    if summary.failed:
        raise SystemExit(f"grading failed: {summary.failed}")
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="dlbook-bench-"))
    try:
        stock_root, ours_root = scratch / "stock", scratch / "ours"
        make_course(stock_root, args.students)
        make_course(ours_root, args.students)
        stock = time_stock(stock_root)
        ours = time_dlbook(ours_root, args.workers)
        same = Course(stock_root).scores(SLUG) == Course(ours_root).scores(SLUG)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    per_sub = stock / args.students
    speedup = stock / ours
    efficiency = speedup / args.workers
    course_subs = COURSE_STUDENTS * COURSE_CHAPTERS
    lines = [
        "# Grading a class: stock serial nbgrader vs ./dlbook autograde",
        "",
        (f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end. Command: "
        f"`./dlbook python -m benchmarks.bench_grading_batch --students {args.students}`"),
        "",
        f"| grader | {args.students} chapter-01 submissions | per submission |",
        "|---|---:|---:|",
        f"| stock `nbgrader autograde` (serial) | {stock:.1f} s | {per_sub:.2f} s |",
        (f"| `./dlbook autograde`, {args.workers} workers | {ours:.1f} s | "
        f"{ours / args.students:.2f} s |"),
        "",
        (f"Speed-up **{speedup:.2f}x** on {args.workers} workers (parallel efficiency "
        f"{efficiency:.0%}); same scores for every student: {same}."),
        "",
        (f"Projection for {COURSE_STUDENTS} students x {COURSE_CHAPTERS} chapters "
        f"({course_subs} submissions) at {per_sub:.2f} s each and the measured efficiency: "
        f"serial {course_subs * per_sub / 3600:.1f} h; one 16-core machine "
        f"{course_subs * per_sub / (16 * efficiency) / 60:.0f} min; N such machines on Dask "
        f"about {course_subs * per_sub / (16 * efficiency) / 60:.0f}/N min (each submission is "
        "independent; the shared PostgreSQL gradebook sees a few short writes per submission)."),
    ]
    out = ROOT / "benchmarks" / "results" / "grading_batch.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
