"""Grading a class as a TA meets it: one cold command, from a course folder with no gradebook.

Run: flock /work/coord/heavy.lock ./dlbook python -m benchmarks.bench_grading_cold \
         [--students 20] [--rounds 3]        (writes benchmarks/results/grading_cold.md)

Each round makes two fresh course folders (source/01_tensors and 20 mixed submissions: correct,
blank, one exercise wrong; no gradebook, no release/) and an empty reference-record cache for
each, so both sides pay for everything a first run pays for:
  ours:   `./dlbook autograde 01_tensors` (DLBOOK_COURSE=folder): the gradebook, the
          instructor's version recorded, the solution's reference run, 20 gradings with their
          feedback, the summary and the TA's report;
  stock:  `nbgrader generate_assignment 01_tensors` (the gradebook and the instructor's version,
          which a stock TA runs too), `nbgrader autograde 01_tensors` (serial), and
          `nbgrader generate_feedback 01_tensors`, with the book's nbgrader_config.py as a TA has
          it (sandbox, verdict, so the solution's reference run too).
Stock and ours alternate, the order swapped each round. Wall clock and CPU seconds (user +
system of every process the command started, sandboxed kernels and forked graders included)
are reported per round with median and spread.

CPU is read from a cgroup made for each command (cgroup v1 `cpuacct`, or v2 `cpu.stat`; needs
root). Resource usage of children (`RUSAGE_CHILDREN`) cannot count the kernels: bubblewrap runs
them in their own PID namespace, where they are reaped and their CPU time never reaches this
process (it read 1.4 s per submission for both sides, cores busy 0.3). Without a writable
cgroup the CPU columns say "not measured".
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

from tests.nbgrader_course import Course
from tools.build import ROOT, tool_env

SLUG = "01_tensors"


def make_course(root: Path, n: int, template: Path) -> None:
    """A course folder as a TA has it before grading: the source and the submissions only."""
    shutil.copytree(template / "source", root / "source")
    shutil.copytree(template / "submitted", root / "submitted")


def make_template(root: Path, n: int) -> None:
    course = Course(root)
    source, release, wrong = course.release_chapter(SLUG)
    for i in range(n):
        course.submit(f"s{i:03d}", SLUG, (source, release, wrong)[i % 3])


class CpuMeter:
    """CPU seconds of one command and every process it starts, however deep or namespaced:
    the command runs in a fresh cgroup, which its descendants inherit."""

    V1, V2 = Path("/sys/fs/cgroup/cpuacct"), Path("/sys/fs/cgroup/unified")

    def __init__(self, name: str):
        self.group = None
        for base in (self.V1, self.V2):
            group = base / name
            try:
                group.mkdir()
            except OSError:
                continue
            if (group / "cpuacct.usage").exists() or (group / "cpu.stat").exists():
                self.group = group
                return
            group.rmdir()

    def join(self) -> None:
        """Runs in the child between fork and exec (`preexec_fn`)."""
        if self.group is not None:
            (self.group / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self) -> float | None:
        if self.group is None:
            return None
        usage = self.group / "cpuacct.usage"
        if usage.exists():
            return int(usage.read_text()) / 1e9
        stat = dict(line.split() for line in (self.group / "cpu.stat").read_text().splitlines())
        return int(stat["usage_usec"]) / 1e6

    def close(self) -> None:
        if self.group is None:
            return
        for _ in range(50):  # a reaped process leaves its cgroup a moment later
            try:
                self.group.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def timed(commands: list[list[str]], env: dict) -> tuple[float, float | None, list[float]]:
    """(wall seconds, CPU seconds or None where no cgroup could be made, wall seconds of each
    command) of running `commands` one after another."""
    meter = CpuMeter(f"dlbook-bench-cold-{os.getpid()}-{time.monotonic_ns()}")
    try:
        start, each = time.perf_counter(), []
        for cmd in commands:
            began = time.perf_counter()
            done = subprocess.run(
                cmd,
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                preexec_fn=meter.join,
            )
            if done.returncode != 0:
                raise SystemExit(
                    f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
                )
            each.append(time.perf_counter() - began)
        return time.perf_counter() - start, meter.seconds(), each
    finally:
        meter.close()


def run_ours(folder: Path, cache: Path) -> tuple[float, float, list[float]]:
    env = {**os.environ, "DLBOOK_COURSE": str(folder), "DLBOOK_REFERENCE_CACHE": str(cache)}
    return timed([[str(ROOT / "dlbook"), "autograde", SLUG]], env)


def run_stock(folder: Path, cache: Path) -> tuple[float, float, list[float]]:
    env = {**tool_env(), "DLBOOK_REFERENCE_CACHE": str(cache)}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    common = [f"--CourseDirectory.root={folder}", "--log-level=WARN"]
    return timed(
        [
            [*nbgrader, "generate_assignment", SLUG, "--force", *common],
            [*nbgrader, "autograde", SLUG, "--force", *common],
            [*nbgrader, "generate_feedback", SLUG, "--force", *common],
        ],
        env,
    )


def _spread(values: list[float | None]) -> str:
    if any(v is None for v in values):
        return "not measured"
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/grading_cold.md")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="dlbook-bench-cold-"))
    results = {"stock": [], "ours": []}  # (wall, cpu, [wall per command]) per round
    loads = [os.getloadavg()[0]]
    try:
        make_template(scratch / "template", args.students)
        for r in range(args.rounds):
            order = ("stock", "ours") if r % 2 == 0 else ("ours", "stock")
            for side in order:
                folder, cache = scratch / f"{side}{r}", scratch / f"cache-{side}{r}"
                make_course(folder, args.students, scratch / "template")
                run = run_ours if side == "ours" else run_stock
                results[side].append(run(folder, cache))
                loads.append(os.getloadavg()[0])
                print(side, r, results[side][-1], f"load {loads[-1]:.2f}", flush=True)
            same = Course(scratch / f"stock{r}").scores(SLUG) == Course(
                scratch / f"ours{r}"
            ).scores(SLUG)
            if not same:
                raise SystemExit(f"round {r}: stock and ours gave different scores")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    n = args.students
    stock_wall = [w for w, _, _ in results["stock"]]
    stock_grade = [sum(each[:2]) for _, _, each in results["stock"]]  # without the feedback
    ours_wall = [w for w, _, _ in results["ours"]]
    speedups = [s / o for s, o in zip(stock_wall, ours_wall)]
    grade_speedups = [s / o for s, o in zip(stock_grade, ours_wall)]
    stock_cpu = [None if c is None else c / n for _, c, _ in results["stock"]]
    ours_cpu = [None if c is None else c / n for _, c, _ in results["ours"]]
    # CPU seconds per wall second: how many cores the command kept busy on average.
    stock_busy = [None if c is None else c / w for w, c, _ in results["stock"]]
    ours_busy = [None if c is None else c / w for w, c, _ in results["ours"]]
    lines = [
        "# Grading a class, cold: `./dlbook autograde` vs stock serial nbgrader",
        "",
        (
            f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, 1-min load average "
            f"{min(loads):.1f}-{max(loads):.1f} while it ran (a shared machine: other work "
            "competed for the cores). Command: `./dlbook python -m benchmarks.bench_grading_cold "
            f"--students {n} --rounds {args.rounds}`. Fresh course folder and empty reference "
            "cache per run; stock and ours alternate. Median (min-max) over the rounds. CPU: "
            "user+system of every process the command started, sandboxed kernels included (a cgroup per "
            "command)."
        ),
        "",
        f"| command ({n} chapter-01 submissions, cold) | wall | CPU per submission | cores busy |",
        "|---|---:|---:|---:|",
        (
            "| stock: `nbgrader generate_assignment` + `autograde` (serial) | "
            f"{_spread(stock_grade)} s | - | - |"
        ),
        (
            "| stock: the same + `nbgrader generate_feedback` | "
            f"{_spread(stock_wall)} s | {_spread(stock_cpu)} s | {_spread(stock_busy)} |"
        ),
        (
            "| ours: `./dlbook autograde 01_tensors` (gradebook, solution run, grades, "
            f"feedback, report) | {_spread(ours_wall)} s | {_spread(ours_cpu)} s | "
            f"{_spread(ours_busy)} |"
        ),
        "",
        (
            f"Speed-up, wall clock, per round: **{statistics.median(speedups):.2f}x** over stock "
            f"with feedback ({', '.join(f'{x:.2f}' for x in speedups)}); "
            f"**{statistics.median(grade_speedups):.2f}x** over stock without feedback "
            f"({', '.join(f'{x:.2f}' for x in grade_speedups)})."
        ),
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
