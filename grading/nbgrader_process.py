"""Run one `nbgrader` command in a process of its own, without paying nbgrader's import each time.

`python -m nbgrader` spends about 3 s of CPU importing nbgrader (its package pulls in the
Jupyter server extensions) before it grades anything. Graded as two commands per submission
(autograde, then generate_feedback), that was 6 s a submission: more than the grading itself,
and enough to make a 2-worker batch slower than stock serial nbgrader, which imports it once.

Here a forkserver imports nbgrader and the book's preprocessors once, and renders one page to
warm up (forkserver_warmup.py); each command runs in a fresh fork of it. Every command still
gets a process of its own (new nbgrader singletons, nothing carried from one student to the
next, the same exit code and output as the command line) at the cost of a fork. Where a
process may not have children (a daemonic Dask worker), or with DLBOOK_GRADER_SUBPROCESS=1,
the plain `python -m nbgrader` subprocess is used instead.
"""

import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading

# What an autograde or generate_feedback run imports (nbgrader_config.py names the book's steps).
PRELOAD = [
    "nbgrader.apps.nbgraderapp",
    "nbconvert.exporters.html",
    "grading.preprocessors.pipeline",
    "grading.preprocessors.check_submission",
    "grading.preprocessors.grading_execute",
    "grading.preprocessors.compare_records",
    "grading.preprocessors.record_flags",
    "grading.preprocessors.redact_hidden_tests",
    "grading.preprocessors.sanitize_outputs",
    "grading.forkserver_warmup",
]
SUBPROCESS_SWITCH = "DLBOOK_GRADER_SUBPROCESS"

_context = None
_context_lock = threading.Lock()


def run(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    """`python -m nbgrader *args` run in `cwd`: returncode, and stdout holding stdout+stderr."""
    if os.environ.get(SUBPROCESS_SWITCH) == "1" or multiprocessing.current_process().daemon:
        return subprocess.run(
            [sys.executable, "-m", "nbgrader", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,  # one stream on both paths: callers read .stdout only
            text=True,
            check=False,
        )
    with tempfile.TemporaryDirectory(prefix="dlbook-nbgrader-") as scratch:
        log = os.path.join(scratch, "output.log")
        open(log, "w").close()
        # The environment as it is now (not as it was when the forkserver started).
        child = _forkserver().Process(target=_command, args=(args, cwd, dict(os.environ), log))
        child.start()
        child.join()
        with open(log, encoding="utf-8", errors="replace") as f:
            output = f.read()
    return subprocess.CompletedProcess(["nbgrader", *args], child.exitcode, output, "")


def _forkserver():
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
    return _context


def _command(args: list[str], cwd: str, env: dict, log: str) -> None:
    """In the forked child: become `nbgrader *args` with its output going to `log`."""
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)  # nbgrader reads the nbgrader_config.py of its working folder
    sys.argv = ["nbgrader", *args]
    from nbgrader.apps.nbgraderapp import main

    try:
        main()  # exits with nbgrader's own status on failure (SystemExit)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
