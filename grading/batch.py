"""Grade a batch of submissions: several at once on one machine, or on a Dask cluster; resumable.

    ./dlbook autograde 01_tensors                    # every submission, cores + 1 at once
    ./dlbook autograde 01_tensors --workers 4
    ./dlbook autograde 01_tensors --student alice    # one late or re-submitted student
    ./dlbook autograde 01_tensors --dask tcp://scheduler:8786 \
        --db-url postgresql+psycopg2://grader@dbhost/dlbook   # many machines, one gradebook

(`./dlbook autograde` is `python -m grading autograde`, whose options autograde.py parses.)
Each submission is graded by its own `nbgrader autograde SLUG --student S` process
(autograde.grade_student), so it gets every protection nbgrader_config.py configures, then gets
its feedback. Stock nbgrader grades one submission after another on one core; the work per
submission is independent (its own sandboxed kernel, its own folder, a few short gradebook
transactions), so it spreads over processes and machines as it is.

Resumable: a submission is done once `autograded/<student>/<slug>/` holds a marker naming the
exact submitted notebook and instructor source it was graded from. Interrupted (Ctrl-C, a
killed job) or rerun, the command grades only what has no up-to-date marker: nothing graded
is graded twice, a half-graded submission is graded again from scratch (`--force`), a
re-submission or a fixed test (the source changed) is regraded automatically.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

MARKER = ".dlbook-graded.json"


@dataclass
class Outcome:
    """What grading one submission gave, as plain data (it crosses processes and machines)."""

    student: str
    ok: bool
    seconds: float
    error: str = ""
    score: float | None = None
    max_score: float | None = None
    flags: list = field(default_factory=list)


@dataclass
class BatchSummary:
    graded: list = field(default_factory=list)  # Outcome per submission graded this run
    skipped: list = field(default_factory=list)  # students already graded, unchanged
    not_gradable: list = field(default_factory=list)  # (student, reason): for a person to fix
    integrity: list = field(default_factory=list)  # what grading changed that it must not
    interrupted: bool = False

    @property
    def failed(self) -> list:
        return [o for o in self.graded if not o.ok]


# ------------------------------------------------------------------------------ the course
def default_db_url(root: Path) -> str:
    return f"sqlite:///{Path(root) / 'gradebook.db'}"


def submitted_students(root: Path, slug: str) -> list[str]:
    """Students with a submitted folder for this assignment, in a stable order."""
    base = Path(root) / "submitted"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / slug).is_dir())


def why_not_gradable(root: Path, slug: str, student: str) -> str:
    """Why a submitted folder cannot be graded as it is ("" when it can)."""
    folder = Path(root) / "submitted" / student / slug
    if (folder / f"{slug}.ipynb").is_file():
        return ""
    others = sorted(p.name for p in folder.glob("*.ipynb"))
    if others:
        return (
            f"wrong file name: {', '.join(others)} (expected {slug}.ipynb; rename it, then "
            f"grade this student again with --student {student})"
        )
    return f"missing notebook: no {slug}.ipynb was submitted"


def _digest(paths) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def grading_key(root: Path, slug: str, student: str) -> dict:
    """What a grade depends on: the student's notebooks and the instructor's source."""
    root = Path(root)
    return {
        "submission": _digest((root / "submitted" / student / slug).glob("*.ipynb")),
        "source": _digest((root / "source" / slug).glob("*.ipynb")),
    }


def marker_path(root: Path, slug: str, student: str) -> Path:
    return Path(root) / "autograded" / student / slug / MARKER


def is_up_to_date(root: Path, slug: str, student: str) -> bool:
    marker = marker_path(root, slug, student)
    try:
        return json.loads(marker.read_text()) == grading_key(root, slug, student)
    except (OSError, ValueError):
        return False


# ------------------------------------------------------------------------------ one submission
def grade_one(
    root: str, slug: str, student: str, extra: list, url: str, check_integrity: bool
) -> Outcome:
    """Autograde one student's submission, write its feedback, then mark it done.

    A module-level function of plain arguments, so a Dask worker on another machine can run it
    (it needs the course folder at the same path, e.g. on a shared filesystem).
    """
    from grading.autograde import grade_student, write_feedback

    root_path = Path(root)
    start = time.perf_counter()
    key = grading_key(root_path, slug, student)  # before grading: a resubmission mid-run regrades
    marker = marker_path(root_path, slug, student)
    marker.unlink(missing_ok=True)
    result = grade_student(root_path, slug, student, extra, url, check_integrity)
    write_feedback(root_path, slug, result, extra)
    error = "" if result.ok else "; ".join(f["reason"] for f in result.flags)[:500]
    if result.ok and result.score is not None:
        _write_atomic(marker, json.dumps(key))
    return Outcome(
        student,
        result.ok,
        round(time.perf_counter() - start, 2),
        error,
        result.score,
        result.max_score,
        result.flags,
    )


def _write_atomic(path: Path, text: str) -> None:
    from helpers.files import atomic_write

    atomic_write(path, text)


# ------------------------------------------------------------------------------ the batch
def default_workers() -> int:
    """One grader per core, plus one: a grader now and then waits (on its kernel's start, the
    gradebook, file writes), and the extra one keeps the cores busy meanwhile.
    benchmarks/bench_grading_batch.py times both counts against stock nbgrader."""
    return (os.cpu_count() or 1) + 1


class Progress:
    """One line per graded submission: done/total, failures, an ETA from the mean rate."""

    def __init__(self, total: int, workers: int, stream=None):
        self.total, self.workers, self.stream = total, workers, stream or sys.stdout
        self.done, self.failed, self.start = 0, 0, time.perf_counter()

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.failed += not outcome.ok
        elapsed = time.perf_counter() - self.start
        eta = elapsed / self.done * (self.total - self.done)
        status = "ok" if outcome.ok else "FAILED"
        print(
            f"[{self.done:>{len(str(self.total))}}/{self.total}] {outcome.student}: {status} "
            f"({outcome.seconds:.1f} s) | {self.failed} failed | ETA {eta:.0f} s",
            file=self.stream,
            flush=True,
        )


def run_local(tasks: list, workers: int, progress: Progress) -> tuple[list, bool]:
    """Run `grade_one(*task)` for each task, `workers` at a time. Returns (outcomes, interrupted).

    Ctrl-C (SIGINT to the whole terminal's process group) stops the graders that are running;
    they leave no marker, so the next run grades them again. Queued ones never start.
    """
    outcomes: list = []
    pool = ThreadPoolExecutor(max_workers=workers)  # threads only wait on grader processes
    futures = {pool.submit(grade_one, *task) for task in tasks}
    try:
        while futures:
            finished, futures = wait(futures, return_when=FIRST_COMPLETED)
            for future in finished:
                outcomes.append(future.result())
                progress.update(outcomes[-1])
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)
        return outcomes, True
    pool.shutdown(wait=True)
    return outcomes, False


def run_dask(tasks: list, scheduler, progress: Progress) -> tuple[list, bool]:
    """Run the tasks on a Dask cluster: `scheduler` is its address or a `distributed.Client`."""
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    outcomes: list = []
    # pure=False and a fresh key: two gradings of one student are two tasks, never a cache hit.
    futures = [
        client.submit(
            grade_one, *task, pure=False, key=f"grade-{task[1]}-{task[2]}-{time.time_ns()}"
        )
        for task in tasks
    ]
    try:
        for future in as_completed(futures):
            outcomes.append(future.result())
            progress.update(outcomes[-1])
    except KeyboardInterrupt:
        client.cancel(futures)
        return outcomes, True
    finally:
        if client is not scheduler:
            client.close()
    return outcomes, False


def grade_batch(
    root,
    slug: str,
    *,
    students=None,
    workers=None,
    db_url=None,
    dask=None,
    force=False,
    extra=(),
    stream=None,
) -> BatchSummary:
    """Grade `slug` for `students` (default: every submission) and return what happened."""
    from grading import autograde, integrity

    stream = stream or sys.stdout
    root = Path(root).resolve()
    url = db_url or default_db_url(root)
    extra = list(extra) + ([f"--CourseDirectory.db_url={db_url}"] if db_url else [])
    everyone = submitted_students(root, slug)
    wanted = everyone if not students else list(dict.fromkeys(students))
    unknown = sorted(set(wanted) - set(everyone))
    if unknown:
        raise SystemExit(
            f"dlbook: no submission of {slug} for {', '.join(unknown)} "
            f"(expected submitted/<student>/{slug}/{slug}.ipynb)"
        )
    summary = BatchSummary(
        not_gradable=[(s, why) for s in wanted if (why := why_not_gradable(root, slug, s))]
    )
    wanted = [s for s in wanted if s not in dict(summary.not_gradable)]
    # Naming a student regrades them; otherwise only what has no up-to-date grade.
    todo = [s for s in wanted if force or students or not is_up_to_date(root, slug, s)]
    summary.skipped = [s for s in wanted if s not in todo]
    if summary.skipped:
        print(
            f"{len(summary.skipped)} submission(s) already graded and unchanged: skipped "
            "(--force regrades them).",
            file=stream,
        )
    if not todo:
        return summary
    if not autograde.record_assignment(root, slug, extra):
        raise SystemExit(2)
    workers = min(workers or default_workers(), len(todo))
    parallel = bool(dask) or workers > 1
    # One at a time, each student's grading is checked on its own; in parallel, other students'
    # rows change meanwhile, so the whole batch is checked instead.
    before = integrity.snapshot(root, url, set(todo)) if parallel else None
    tasks = [(str(root), slug, s, extra, url, not parallel) for s in todo]
    progress = Progress(len(todo), workers, stream)
    where = f"the Dask cluster at {dask}" if dask else f"{workers} worker(s)"
    print(f"Grading {len(todo)} submission(s) of {slug} on {where}...", file=stream, flush=True)
    # The solution's reference records are computed once, by whichever grader needs them first;
    # the others wait for them (reference.py), so all workers start at once.
    if dask:
        summary.graded, summary.interrupted = run_dask(tasks, dask, progress)
    else:
        summary.graded, summary.interrupted = run_local(tasks, workers, progress)
    if parallel:
        moved = integrity.changes(before, integrity.snapshot(root, url, set(todo)))
        summary.integrity = moved
        if moved:
            print(
                f"!!! grading changed files or grades it must not: {moved[:5]} (regrade "
                "with --workers 1 to find the submission)",
                file=sys.stderr,
            )
    return summary


def print_summary(summary: BatchSummary, slug: str, stream=None) -> None:
    from grading.autograde import Result
    from grading.autograde import summary as score_table

    stream = stream or sys.stdout
    results = [Result(o.student, o.ok, o.score, o.max_score, o.flags) for o in summary.graded]
    if results:
        print(score_table(results), file=stream)
    print(
        f"\n{slug}: {len(summary.graded) - len(summary.failed)} graded, "
        f"{len(summary.failed)} failed, {len(summary.skipped)} already up to date, "
        f"{len(summary.not_gradable)} not gradable.",
        file=stream,
    )
    for student, why in summary.not_gradable:
        print(f"  {student}: not graded, {why}", file=stream)
    if summary.interrupted:
        print(
            "Interrupted: run the same command again to grade the rest (graded work is kept).",
            file=stream,
        )


def main(
    root: Path,
    slug: str,
    *,
    students=(),
    workers=None,
    dask=None,
    url=None,
    force=False,
    report=True,
    extra=(),
) -> int:
    """`python -m grading autograde` after its options are parsed (autograde.main)."""
    from grading.autograde import check_sandbox

    if not check_sandbox():
        return 2
    summary = grade_batch(
        root,
        slug,
        students=students,
        workers=workers,
        db_url=url,
        dask=dask,
        force=force,
        extra=extra,
    )
    print_summary(summary, slug)
    if summary.interrupted:
        return 130
    if report and (summary.graded or summary.skipped):
        from grading.report import write_report

        print(f"TA report: {write_report(root, slug, db_url=url)}")
    return 1 if summary.failed or summary.integrity else 0
