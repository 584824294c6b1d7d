"""Self-check: run a chapter's visible tests and see which exercises pass, without nbgrader.

Two ways, same summary (exercise, points, pass or the first line of what failed):

* In the notebook (JupyterLab, Colab, VS Code): a cell with

      from helpers.selfcheck import check
      check()

  runs every test cell of this notebook against the functions as they are defined in the
  kernel now (run your answer cells first). The notebook's test cells are read from the
  notebook itself: its file in JupyterLab and VS Code, Colab's copy of it on Colab, or a path
  you pass, `check("01_tensors.ipynb")`. It prints the summary and returns nothing (so the
  cell shows the summary only); `run_checks()` returns the list of `Result`s instead.
* From a terminal: `./dlbook check 01` runs your working copy of chapter 01
  (~/dlbook-work/01_*/, or $DLBOOK_WORK) top to bottom in a fresh kernel, quickly (training is
  cut to a few batches, as when grading), and prints the summary; it exits 1 if a test fails.

Hidden tests run only when the notebook is graded, so "passes" means "passes the visible tests".
"""

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from helpers.nbcells import is_test_metadata, nbgrader_metadata

EXERCISE_HEADING = re.compile(r"^#+\s*(Exercise\s+\d+.*?)\s*$", re.MULTILINE)
POINTS_IN_TITLE = re.compile(r"\s*\(\d+(?:\.\d+)?\s+points?\)")


@dataclass
class Result:
    """One graded test cell: which exercise, its points, and whether its visible tests pass."""

    exercise: str
    grade_id: str
    points: float
    passed: bool
    message: str = ""


def graded_test_cells(nb: dict) -> list[tuple[str, dict]]:
    """(exercise title, cell) for every graded test cell, titled by the heading above it."""
    found, title = [], None
    for cell in nb["cells"]:
        source = _source(cell)
        if cell["cell_type"] == "markdown":
            headings = EXERCISE_HEADING.findall(source)
            # "Exercise 3 (2 points): normalize rows" -> "Exercise 3: normalize rows"
            title = POINTS_IN_TITLE.sub("", headings[-1]) if headings else title
            continue
        meta = nbgrader_metadata(cell)
        if is_test_metadata(meta):
            found.append((title or meta.get("grade_id", "?"), cell))
    return found


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _failure(ename: str, evalue: str) -> str:
    if ename == "NotImplementedError":
        return "not attempted yet (its answer cell still raises NotImplementedError)"
    return f"{ename}: {_last_line(evalue)}"


def _plain(text: str) -> str:
    """Markdown's `code` marks off: the summary is plain text (a terminal, a print)."""
    return re.sub(r"`([^`\n]*)`", r"\1", text)


MESSAGE_INDENT = " " * 8  # under the exercise's title, past the pass/fail mark
MESSAGE_LINES = 3  # a failure's message wraps onto at most this many lines


def summary(results: list[Result], width: int | None = None) -> str:
    """The plain-text table both ways print: a line per exercise, a failure's message wrapped
    under it at word boundaries (never cut inside a word or number), then the total.

    `width`: columns to wrap to (default: the terminal's, 100 in a notebook)."""
    if not results:
        return "This notebook has no graded test cells."
    width = width or shutil.get_terminal_size((100, 24)).columns
    titles = [_plain(r.exercise) for r in results]
    column = max(len(t) for t in titles)
    lines = []
    for r, title in zip(results, titles):
        mark = "\u2714 pass" if r.passed else "\u2718 fail"
        lines.append(f"{mark}  {title:<{column}}  {_points(r.points):>9}")
        if not r.passed and r.message:
            lines += textwrap.wrap(
                _plain(r.message),
                width=max(40, width),
                initial_indent=MESSAGE_INDENT,
                subsequent_indent=MESSAGE_INDENT,
                break_long_words=False,
                break_on_hyphens=False,
                max_lines=MESSAGE_LINES,
                placeholder=" ...",
            )
    got = sum(r.points for r in results if r.passed)
    total = sum(r.points for r in results)
    done = sum(r.passed for r in results)
    lines.append(
        f"{done} of {len(results)} exercises pass their visible tests: "
        f"{got:g} of {_points(total)} available "
        "(hidden tests run when the notebook is graded)."
    )
    return "\n".join(lines)


def _points(p: float) -> str:
    return f"{p:g} point" + ("" if p == 1 else "s")


# --- in the notebook ---------------------------------------------------------------------


def check(notebook=None) -> None:
    """Run this notebook's visible tests in the current kernel and print the summary.

    `notebook`: the .ipynb path; found by itself in JupyterLab, VS Code and Colab. Returns
    None, so that a cell ending in `check()` shows the summary and nothing else; the results
    themselves come from `run_checks()`.
    """
    print(summary(run_checks(notebook), width=100))


def run_checks(notebook=None) -> list[Result]:
    """Run this notebook's visible tests in the current kernel; return a `Result` per test
    cell, in notebook order (what `check()` prints)."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError(
            "check() runs inside a notebook; in a terminal use "
            "`./dlbook check NN` (e.g. ./dlbook check 01)."
        )
    nb = _this_notebook(shell, notebook)
    results = []
    for title, cell in graded_test_cells(nb):
        # A copy of the namespace: the tests see the student's functions, and the variables
        # the tests make do not change the student's.
        namespace = dict(shell.user_ns)
        out = io.StringIO()
        meta = cell["metadata"]["nbgrader"]
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                code = compile(_source(cell), f"<test {meta['grade_id']}>", "exec")
                exec(code, namespace)  # noqa: S102 -- the notebook's own test cell
        except Exception as err:  # noqa: BLE001 -- a failed test, whatever it raised: reported
            results.append(
                Result(
                    title,
                    meta["grade_id"],
                    float(meta.get("points", 0)),
                    False,
                    _failure(type(err).__name__, str(err)),
                )
            )
        else:
            results.append(Result(title, meta["grade_id"], float(meta.get("points", 0)), True))
    return results


def _this_notebook(shell, notebook) -> dict:
    if notebook is not None:
        return json.loads(Path(notebook).read_text(encoding="utf-8"))
    ns = shell.user_ns
    # VS Code names the file; JupyterLab's server gives the kernel its session path.
    for candidate in (
        ns.get("__vsc_ipynb_file__"),
        ns.get("__session__"),
        os.environ.get("JPY_SESSION_NAME"),
    ):
        if candidate and str(candidate).endswith(".ipynb") and Path(candidate).is_file():
            return json.loads(Path(candidate).read_text(encoding="utf-8"))
    if "google.colab" in sys.modules:
        from google.colab import _message  # Colab's own copy of the open notebook

        return _message.blocking_request("get_ipynb", timeout_sec=30)["ipynb"]
    raise FileNotFoundError(
        "check() could not tell which notebook this is: pass its path, "
        "e.g. check('01_tensors.ipynb'), and save the notebook first."
    )


# --- from a terminal ---------------------------------------------------------------------


def find_notebook(chapter: str, work=None) -> Path:
    """`01`, `01_tensors` or a path -> the student's notebook for that chapter."""
    path = Path(chapter).expanduser()
    if path.suffix == ".ipynb":
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist.")
        return path
    work = Path(work or os.environ.get("DLBOOK_WORK") or "~/dlbook-work").expanduser()
    number = chapter.split("_")[0]
    found = sorted(work.glob(f"{number}_*/{number}_*.ipynb"))
    found = [p for p in found if p.parent.name.startswith(chapter) or chapter == number]
    if not found:
        raise FileNotFoundError(
            f"No chapter {chapter} in your working copy {work}: run `./dlbook lab` once (it "
            "makes the copy), set DLBOOK_WORK if yours is elsewhere, or give the notebook's "
            "path, e.g. ./dlbook check ~/dlbook-work/01_tensors/01_tensors.ipynb"
        )
    return found[0]


def run_notebook(path: Path, timeout: int = 300) -> list[Result]:
    """Run the notebook top to bottom in a fresh kernel; read each test cell's outcome."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env_before = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "selfcheck"  # training cut to a few batches, no plots
    try:
        with tempfile.TemporaryDirectory(prefix="dlbook-check-") as sockets:
            # Test cells are tagged raises-exception, so the run goes on past a failing one, as
            # Run All does; an error anywhere else stops it (the cells after it count as failed).
            NotebookClient(
                nb,
                timeout=timeout,
                kernel_name="python3",
                config=_local_kernel(Path(sockets)),
                resources={"metadata": {"path": str(path.parent)}},
                # Nothing is left to save in the kernel: end it at once, not after the
                # graceful shutdown's wait (about 3 s of the run).
                shutdown_kernel="immediate",
            ).execute()
        stopped = ""
    except Exception as err:  # noqa: BLE001 -- the run stopped: report it and what did not run
        stopped = f"{type(err).__name__}: {_last_line(str(err))}"
    finally:
        if env_before is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = env_before
    results = []
    for title, cell in graded_test_cells(nb):
        meta = cell["metadata"]["nbgrader"]
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            message = _failure(errors[0]["ename"], errors[0]["evalue"])
        elif cell.get("execution_count") is None:
            message = f"did not run (the notebook stopped earlier: {stopped or 'unknown'})"
        else:
            message = ""
        results.append(
            Result(title, meta["grade_id"], float(meta.get("points", 0)), not message, message)
        )
    return results


def _local_kernel(sockets: Path):
    """Kernel-manager settings for Unix sockets in `sockets` (an absolute, private folder)
    where the platform has them: the kernel then has no TCP port to warn about ("Kernel is
    running over TCP without encryption") and nothing else on the machine can connect to it.
    Windows keeps TCP on 127.0.0.1."""
    from traitlets.config import Config

    if os.name == "nt":
        return Config()
    return Config({"KernelManager": {"transport": "ipc", "ip": str(sockets / "kernel")}})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="./dlbook check",
        description="Run a chapter's visible tests; print which "
        "exercises pass and the points available (no nbgrader needed).",
    )
    parser.add_argument("chapter", help="chapter number (01), name (01_tensors) or notebook path")
    args = parser.parse_args(argv)
    try:
        path = find_notebook(args.chapter)
    except FileNotFoundError as err:
        print(f"dlbook check: {err}", file=sys.stderr)
        return 2
    print(f"Checking {path} (a fresh kernel runs it top to bottom; training is shortened)...")
    results = run_notebook(path)
    print(summary(results))
    return 0 if results and all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
