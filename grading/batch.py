"""Grade a batch of submissions: several at once on one machine, or on a Dask cluster; resumable.

    ./dlbook autograde 01_tensors                    # every submission, cores + 1 at once
    ./dlbook autograde 01_tensors --workers 4
    ./dlbook autograde 01_tensors --student alice    # one late or re-submitted student
    ./dlbook autograde 01_tensors --dask tcp://scheduler:8786 \
        --db-url postgresql+psycopg2://grader@dbhost/dlbook   # many machines, one gradebook

(`./dlbook autograde` is `python -m grading autograde`, whose options cli.py parses.)
Each submission is graded by its own `nbgrader autograde SLUG --student S` process
(student.grade_student), so it gets every protection nbgrader_config.py configures, then gets
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

from grading import integrity
from grading.flags import describe
from grading.paths import (
    FLAGS_FILE,
    default_db_url,
    graded_marker,
    submission_folder,
    submitted_students,
    why_not_gradable,
)
from grading.report import student_order
from grading.student import (
    Outcome,
    grade_student,
    record_assignment,
    record_names,
    write_feedback,
)
from helpers.files import atomic_write


class UnknownStudents(ValueError):
    """`--student` named someone with no submission of the assignment."""


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


# ------------------------------------------------------------------------------ resuming
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
        "submission": _digest(submission_folder(root, slug, student).glob("*.ipynb")),
        "source": _digest((root / "source" / slug).glob("*.ipynb")),
    }


def is_up_to_date(root: Path, slug: str, student: str) -> bool:
    marker = graded_marker(root, slug, student)
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
    root_path = Path(root)
    start = time.perf_counter()
    key = grading_key(root_path, slug, student)  # before grading: a resubmission mid-run regrades
    marker = graded_marker(root_path, slug, student)
    marker.unlink(missing_ok=True)
    outcome = grade_student(root_path, slug, student, extra, url, check_integrity)
    write_feedback(root_path, slug, outcome, extra)
    if not outcome.ok:
        outcome.error = "; ".join(f.reason for f in outcome.flags)[:500]
    if outcome.ok and outcome.score is not None:
        atomic_write(marker, json.dumps(key))
    outcome.seconds = round(time.perf_counter() - start, 2)
    return outcome


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
    """Grade `slug` for `students` (default: every submission) and return what happened.

    Raises UnknownStudents for a named student without a submission, and
    student.AssignmentNotRecorded when the instructor's version cannot be put in the gradebook.
    """
    stream = stream or sys.stdout
    root = Path(root).resolve()
    url = db_url or default_db_url(root)
    extra = list(extra) + ([f"--CourseDirectory.db_url={db_url}"] if db_url else [])
    everyone = student_order(root, submitted_students(root, slug))  # the roster's order
    wanted = everyone if not students else list(dict.fromkeys(students))
    unknown = sorted(set(wanted) - set(everyone))
    if unknown:
        raise UnknownStudents(
            f"no submission of {slug} for {', '.join(unknown)} "
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
    record_assignment(root, slug, extra)
    record_names(root, url, todo)
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
    # The table the TA reads is in the roster's order, not the order grading finished in.
    position = {s: i for i, s in enumerate(todo)}
    summary.graded.sort(key=lambda o: position.get(o.student, len(position)))
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


def score_table(outcomes: list[Outcome]) -> str:
    """One line per graded student: score and what a person should look at."""
    lines = ["", "student                score   flags (needs a manual look)"]
    for o in outcomes:
        score = "not graded" if o.score is None else f"{o.score:g} / {o.max_score:g}"
        lines.append(f"{o.student:<22} {score:<7} {describe(o.flags) or '-'}")
    flagged = sum(1 for o in outcomes if o.flags)
    lines.append(
        f"{len(outcomes)} graded, {flagged} flagged (see autograded/<student>/<slug>/"
        f"{FLAGS_FILE}; flagged cells are marked needs-manual-grade)."
    )
    return "\n".join(lines)


def summary_text(summary: BatchSummary, slug: str) -> str:
    """What the command prints when the batch is done."""
    lines = [score_table(summary.graded)] if summary.graded else []
    lines.append(
        f"\n{slug}: {len(summary.graded) - len(summary.failed)} graded, "
        f"{len(summary.failed)} failed, {len(summary.skipped)} already up to date, "
        f"{len(summary.not_gradable)} not gradable."
    )
    lines += [f"  {student}: not graded, {why}" for student, why in summary.not_gradable]
    if summary.interrupted:
        lines.append(
            "Interrupted: run the same command again to grade the rest (graded work is kept)."
        )
    return "\n".join(lines)
