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
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from grading import batch
from tests.nbgrader_course import Course
from tools.build import ROOT, tool_env

SLUG = "01_tensors"
COURSE_STUDENTS, COURSE_CHAPTERS = 300, 7  # the course size the issue asks about


def make_course(root: Path, n: int) -> Course:
    course = Course(root)
    source, release, wrong = course.release_chapter(SLUG)
    for i in range(n):
        course.submit(f"s{i:03d}", SLUG, (source, release, wrong)[i % 3])
    return course


def time_stock(root: Path) -> tuple[float, float]:
    """Seconds for stock `nbgrader autograde`, then for `nbgrader generate_feedback` (the TA's
    second command: `./dlbook autograde` writes the feedback too)."""
    times = []
    for command in ("autograde", "generate_feedback"):
        cmd = [
            sys.executable,
            "-m",
            "nbgrader",
            command,
            SLUG,
            "--force",
            f"--CourseDirectory.root={root}",
            "--log-level=WARN",
        ]
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=tool_env(), check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times[0], times[1]


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
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=None,
        help="worker counts to time (default: the cores, and ./dlbook "
        "autograde's default, batch.default_workers())",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="stock and ours alternate this many times (the machine drifts)",
    )
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    counts = args.workers or sorted({cores, batch.default_workers()})
    scratch = Path(tempfile.mkdtemp(prefix="dlbook-bench-"))
    stock_runs, ours_runs = [], {w: [] for w in counts}  # (autograde, feedback); seconds
    try:
        stock_root, ours_root = scratch / "stock", scratch / "ours"
        make_course(stock_root, args.students)
        make_course(ours_root, args.students)
        for _ in range(args.rounds):
            stock_runs.append(time_stock(stock_root))
            for w in counts:
                ours_runs[w].append(time_dlbook(ours_root, w))
        same = Course(stock_root).scores(SLUG) == Course(ours_root).scores(SLUG)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    n = args.students
    stock = statistics.median(a for a, _ in stock_runs)
    both = statistics.median(a + b for a, b in stock_runs)
    lines = [
        "# Grading a class: stock serial nbgrader vs ./dlbook autograde",
        "",
        (
            f"{date.today()}, {platform.machine()}, {cores} cores, load average "
            f"{os.getloadavg()[0]:.1f} at the end. Command: `./dlbook python -m "
            f"benchmarks.bench_grading_batch --students {n} --rounds {args.rounds}`. "
            "Stock and ours alternate within each round; times are medians over the rounds, "
            "speed-ups are per round (the machine's speed drifts between rounds)."
        ),
        "",
        f"| grader | {n} chapter-01 submissions | per submission | speed-up (rounds) |",
        "|---|---:|---:|---|",
        f"| stock `nbgrader autograde` (serial) | {stock:.1f} s | {stock / n:.2f} s | 1 |",
        (
            f"| stock `nbgrader autograde`, then `nbgrader generate_feedback` | "
            f"{both:.1f} s | {both / n:.2f} s | - |"
        ),
    ]
    best = None
    for w in counts:
        ours = statistics.median(ours_runs[w])
        alone = [a / o for (a, _), o in zip(stock_runs, ours_runs[w])]
        like = [(a + b) / o for (a, b), o in zip(stock_runs, ours_runs[w])]
        lines.append(
            f"| `./dlbook autograde --workers {w}` (grades and feedback) | {ours:.1f} s | "
            f"{ours / n:.2f} s | **{statistics.median(alone):.2f}x** over stock autograde "
            f"({', '.join(f'{x:.2f}' for x in alone)}); **{statistics.median(like):.2f}x** over "
            f"stock autograde + feedback ({', '.join(f'{x:.2f}' for x in like)}) |"
        )
        if best is None or statistics.median(alone) > best[1]:
            best = (w, statistics.median(alone))
    per_sub = stock / n
    efficiency = best[1] / cores
    course_subs = COURSE_STUDENTS * COURSE_CHAPTERS
    sixteen = course_subs * per_sub / (16 * efficiency) / 60
    lines += [
        "",
        f"Same scores for every student, stock and ours: {same}.",
        "",
        (
            f"Projection for {COURSE_STUDENTS} students x {COURSE_CHAPTERS} chapters "
            f"({course_subs} submissions) at {per_sub:.2f} s each (stock, serial) and the best "
            f"measured speed-up per core ({efficiency:.0%}, {best[0]} workers): serial "
            f"{course_subs * per_sub / 3600:.1f} h; one 16-core machine {sixteen:.0f} min; N such "
            f"machines on Dask about {sixteen:.0f}/N min (each submission is independent; the "
            "shared PostgreSQL gradebook sees a few short writes per submission)."
        ),
    ]
    out = ROOT / "benchmarks" / "results" / "grading_batch.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
