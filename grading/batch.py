"""Grade a batch of submissions: in parallel on one machine, or on a Dask cluster; resumable.

    python -m grading.batch 01_tensors                    # every submission, one per core
    python -m grading.batch 01_tensors --workers 4
    python -m grading.batch 01_tensors --student alice    # one late or re-submitted student
    python -m grading.batch 01_tensors --dask tcp://scheduler:8786 \
        --db-url postgresql://grader@dbhost/dlbook        # many machines, one gradebook

Each submission is graded by its own `nbgrader autograde SLUG --student S` process, so it gets
every protection that nbgrader_config.py configures, then gets its feedback. Stock nbgrader
grades one submission after another on one core; the work per submission is independent (its
own kernel, its own folder, a few short gradebook transactions), so it spreads over processes
and machines as it is.

Resumable: a submission is done once `autograded/<student>/<slug>/` holds a marker naming the
exact submitted notebook and instructor source it was graded from. Interrupted (Ctrl-C, a
killed job) or rerun, the command grades only what has no up-to-date marker: nothing graded
is graded twice, a half-graded submission is graded again from scratch (`--force`), a
re-submission or a fixed test (the source changed) is regraded automatically.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MARKER = ".dlbook-graded.json"
# One submission's wall-clock ceiling. The per-cell limit (nbgrader_config.py) already bounds
# honest work to minutes; this only catches a grader process that hangs outside any cell.
SUBMISSION_TIMEOUT_S = 30 * 60


@dataclass
class Outcome:
    """What grading one submission gave, as plain data (it crosses processes and machines)."""

    student: str
    ok: bool
    seconds: float
    error: str = ""


@dataclass
class BatchSummary:
    graded: list = field(default_factory=list)   # Outcome per submission graded this run
    skipped: list = field(default_factory=list)  # students already graded, unchanged
    not_gradable: list = field(default_factory=list)  # (student, reason): for a person to fix
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
        return (f"wrong file name: {', '.join(others)} (expected {slug}.ipynb; rename it, then "
                f"grade this student again with --student {student})")
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
    return {"submission": _digest((root / "submitted" / student / slug).glob("*.ipynb")),
            "source": _digest((root / "source" / slug).glob("*.ipynb"))}


def marker_path(root: Path, slug: str, student: str) -> Path:
    return Path(root) / "autograded" / student / slug / MARKER


def is_up_to_date(root: Path, slug: str, student: str) -> bool:
    marker = marker_path(root, slug, student)
    try:
        return json.loads(marker.read_text()) == grading_key(root, slug, student)
    except (OSError, ValueError):
        return False


# ------------------------------------------------------------------------------ one submission
def nbgrader_command(root: Path, db_url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={root}",
            f"--CourseDirectory.db_url={db_url}", "--log-level=WARN"]


def _tool_env() -> dict:
    # nbgrader runs `alembic` by name: this Python's scripts folder must be on PATH.
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


_RUNNING: dict = {}  # thread id -> Popen, so an interrupt can stop every running grader
_RUNNING_LOCK = threading.Lock()


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    # Own session: Ctrl-C reaches only this script, which then stops each grader's whole group
    # (nbgrader and its kernel) itself, rather than leaving half-killed process trees.
    proc = subprocess.Popen(cmd, cwd=cwd, env=_tool_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    with _RUNNING_LOCK:
        _RUNNING[threading.get_ident()] = proc
    try:
        out, err = proc.communicate(timeout=SUBMISSION_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        err += f"\nstopped after {SUBMISSION_TIMEOUT_S} s"
    finally:
        with _RUNNING_LOCK:
            _RUNNING.pop(threading.get_ident(), None)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def stop_running_graders() -> None:
    with _RUNNING_LOCK:
        procs = list(_RUNNING.values())
    for proc in procs:
        _kill_group(proc)


def grade_one(root: str, slug: str, student: str, db_url: str) -> Outcome:
    """Autograde one student's submission, write its feedback, then mark it done.

    A module-level function of plain arguments, so a Dask worker on another machine can run it
    (it needs the course folder at the same path, e.g. on a shared filesystem).
    """
    root_path = Path(root)
    start = time.perf_counter()
    key = grading_key(root_path, slug, student)  # before grading: a resubmission mid-run regrades
    marker = marker_path(root_path, slug, student)
    marker.unlink(missing_ok=True)
    graded = _run(nbgrader_command(root_path, db_url, "autograde", slug, "--student", student,
                                   "--force"), cwd=REPO)
    autograded_nb = marker.parent / f"{slug}.ipynb"
    error = "" if graded.returncode == 0 else _tail(graded.stderr or graded.stdout)
    if autograded_nb.exists():
        # Feedback for everyone who was graded, even when nbgrader reported a problem.
        feedback = _run(nbgrader_command(root_path, db_url, "generate_feedback", slug,
                                         "--student", student, "--force"), cwd=REPO)
        if feedback.returncode != 0:
            error = error or "feedback: " + _tail(feedback.stderr or feedback.stdout)
    elif not error:
        error = "nbgrader wrote no graded notebook"
    if not error:
        _write_atomic(marker, json.dumps(key))
    return Outcome(student, not error, round(time.perf_counter() - start, 2), error)


def _tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


# ------------------------------------------------------------------------------ the batch
def record_assignment(root: Path, slug: str, db_url: str) -> None:
    """Put the instructor's version (cells, tests, points) in the gradebook, once, up front.

    Autograde restores tests from the gradebook; doing this before the workers start means no
    two workers create the assignment at once. The release goes to a scratch folder, so the
    committed release/ is never touched.
    """
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            nbgrader_command(root, db_url, "generate_assignment", slug, "--force",
                             f"--CourseDirectory.release_directory={scratch}"),
            cwd=REPO, env=_tool_env(), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"dlbook: could not record {slug} in the gradebook:\n"
                         f"{_tail(done.stderr or done.stdout, 20)}")


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
        print(f"[{self.done:>{len(str(self.total))}}/{self.total}] {outcome.student}: {status} "
              f"({outcome.seconds:.1f} s) | {self.failed} failed | ETA {eta:.0f} s",
              file=self.stream, flush=True)


def run_local(root: Path, slug: str, students: list[str], db_url: str, workers: int,
              progress: Progress) -> tuple[list, bool]:
    """Grade on this machine, `workers` submissions at a time. Returns (outcomes, interrupted)."""
    outcomes: list = []
    pool = ThreadPoolExecutor(max_workers=workers)  # threads only wait on grader processes
    futures = {pool.submit(grade_one, str(root), slug, s, db_url) for s in students}
    try:
        while futures:
            finished, futures = wait(futures, return_when=FIRST_COMPLETED)
            for future in finished:
                outcomes.append(future.result())
                progress.update(outcomes[-1])
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        stop_running_graders()
        pool.shutdown(wait=True, cancel_futures=True)
        return outcomes, True
    pool.shutdown(wait=True)
    return outcomes, False


def run_dask(root: Path, slug: str, students: list[str], db_url: str, scheduler,
             progress: Progress) -> tuple[list, bool]:
    """Grade on a Dask cluster: `scheduler` is its address or a `distributed.Client`."""
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    outcomes: list = []
    # pure=False: two gradings of the same student are two tasks, never a cached result.
    futures = [client.submit(grade_one, str(root), slug, s, db_url, pure=False,
                             key=f"grade-{slug}-{s}-{time.time_ns()}") for s in students]
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


def grade_batch(root, slug: str, *, students=None, workers=None, db_url=None, dask=None,
                force=False, stream=None) -> BatchSummary:
    """Grade `slug` for `students` (default: every submission) and return what happened."""
    stream = stream or sys.stdout
    root = Path(root).resolve()
    db_url = db_url or default_db_url(root)
    everyone = submitted_students(root, slug)
    wanted = everyone if not students else list(students)
    unknown = sorted(set(wanted) - set(everyone))
    if unknown:
        raise SystemExit(f"dlbook: no submission of {slug} for {', '.join(unknown)} "
                         f"(expected submitted/<student>/{slug}/{slug}.ipynb)")
    summary = BatchSummary(not_gradable=[(s, why) for s in wanted
                                         if (why := why_not_gradable(root, slug, s))])
    wanted = [s for s in wanted if s not in dict(summary.not_gradable)]
    # Naming a student regrades them; otherwise only what has no up-to-date grade.
    todo = [s for s in wanted if force or students or not is_up_to_date(root, slug, s)]
    summary.skipped = [s for s in wanted if s not in todo]
    if summary.skipped:
        print(f"{len(summary.skipped)} submission(s) already graded and unchanged: skipped "
              "(--force regrades them).", file=stream)
    if not todo:
        return summary
    record_assignment(root, slug, db_url)
    workers = workers or os.cpu_count() or 1
    progress = Progress(len(todo), workers, stream)
    where = f"the Dask cluster at {dask}" if dask else f"{min(workers, len(todo))} worker(s)"
    print(f"Grading {len(todo)} submission(s) of {slug} on {where}...", file=stream, flush=True)
    if dask:
        summary.graded, summary.interrupted = run_dask(root, slug, todo, db_url, dask, progress)
    else:
        summary.graded, summary.interrupted = run_local(root, slug, todo, db_url, workers,
                                                        progress)
    return summary


def print_summary(summary: BatchSummary, slug: str, stream=None) -> None:
    stream = stream or sys.stdout
    ok = len(summary.graded) - len(summary.failed)
    print(f"\n{slug}: {ok} graded, {len(summary.failed)} failed, "
          f"{len(summary.skipped)} already up to date, {len(summary.not_gradable)} not "
          "gradable.", file=stream)
    for student, why in summary.not_gradable:
        print(f"  {student}: not graded, {why}", file=stream)
    for outcome in summary.failed:
        print(f"  {outcome.student}: {outcome.error.splitlines()[-1] if outcome.error else ''}",
              file=stream)
    if summary.interrupted:
        print("Interrupted: run the same command again to grade the rest (graded work is "
              "kept).", file=stream)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="dlbook autograde", description=__doc__.splitlines()[0])
    parser.add_argument("slug", help="the assignment, e.g. 01_tensors")
    parser.add_argument("--student", action="append", dest="students", metavar="ID",
                        help="grade only this student (repeatable); always regrades")
    parser.add_argument("--workers", type=int, default=None,
                        help="submissions graded at once on this machine (default: the cores)")
    parser.add_argument("--force", action="store_true", help="regrade everyone")
    parser.add_argument("--db-url", default=None,
                        help="gradebook URL (default: sqlite:///<course>/gradebook.db); "
                             "use PostgreSQL when graders run on several machines")
    parser.add_argument("--dask", metavar="ADDRESS", default=None,
                        help="grade on the Dask cluster whose scheduler is at ADDRESS")
    parser.add_argument("--root", default=str(REPO), help="the course folder (default: here)")
    parser.add_argument("--no-report", action="store_true", help="skip the TA report")
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    summary = grade_batch(args.root, args.slug, students=args.students, workers=args.workers,
                          db_url=args.db_url, dask=args.dask, force=args.force)
    print_summary(summary, args.slug)
    if summary.interrupted:
        return 130
    if not args.no_report:
        from .report import write_report

        folder = write_report(args.root, args.slug, db_url=args.db_url)
        print(f"TA report: {folder}")
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
