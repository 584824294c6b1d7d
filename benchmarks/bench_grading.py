"""How long grading takes: each instructor notebook run as `nbgrader autograde` runs it, and
what the sandbox adds per submission.

Run: ./dlbook python -m benchmarks.bench_grading    (writes benchmarks/results/grading.md)

NBGRADER_EXECUTION=autograde is set, so chapters shrink their training as they do under
nbgrader; nbclient records when each cell started and finished. Reported per chapter: the whole
notebook, and the slowest answer and test cells (the ones the 60 s per-cell limit guards).
Sandbox overhead: chapter 01's solution graded as a submission by the real
`nbgrader autograde --student` in a temporary course, with the bubblewrap sandbox and with
DLBOOK_UNSAFE_NO_SANDBOX=1, alternating, median of REPEATS (reference records cached first).
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
from datetime import date, datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def _seconds(cell) -> float:
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    parse = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()


def time_chapter(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        record_timing=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    graded = [
        (c.metadata["nbgrader"]["grade_id"], _seconds(c))
        for c in nb.cells
        if c.cell_type == "code"
        and (
            c.metadata.get("nbgrader", {}).get("grade")
            or c.metadata.get("nbgrader", {}).get("solution")
        )
    ]
    total = sum(_seconds(c) for c in nb.cells if c.cell_type == "code")
    slowest = max(graded, key=lambda g: g[1])
    return {"chapter": path.parent.name, "total": total, "cells": len(graded), "slowest": slowest}


REPEATS = 7  # a submission takes ~5-8 s with a few tenths of noise: the median of 7 steadies it


def _grade_once(course: Path, slug: str, sandboxed: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k != "NBGRADER_EXECUTION"}
    if not sandboxed:
        env["DLBOOK_UNSAFE_NO_SANDBOX"] = "1"
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "autograde",
            slug,
            "--student",
            "s",
            "--force",
            f"--CourseDirectory.root={course}",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def sandbox_overhead(slug: str = "01_tensors") -> dict:
    """Median seconds to grade one submission with and without the sandbox."""
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        shutil.copytree(ROOT / "source" / slug, course / "source" / slug)
        shutil.copytree(ROOT / "source" / slug, course / "submitted" / "s" / slug)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "nbgrader",
                "generate_assignment",
                slug,
                "--force",
                f"--CourseDirectory.root={course}",
                f"--CourseDirectory.release_directory={course / 'rel'}",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        _grade_once(course, slug, True)  # computes and caches the reference records
        times = {True: [], False: []}
        for _ in range(REPEATS):
            for sandboxed in (True, False):
                times[sandboxed].append(_grade_once(course, slug, sandboxed))
    return {
        "slug": slug,
        "sandboxed": statistics.median(times[True]),
        "unsandboxed": statistics.median(times[False]),
        "differences": sorted(a - b for a, b in zip(times[True], times[False])),
    }


def main(argv=None) -> None:
    # No options; `--help` says what it does instead of starting a run of several minutes.
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    overhead = sandbox_overhead() if shutil.which("bwrap") else None
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    rows = [time_chapter(p) for p in sorted(ROOT.glob("source/*/*.ipynb"))]
    lines = [
        "# Grading time per chapter (notebooks run as under `nbgrader autograde`)",
        "",
        (
            f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}. Command: `./dlbook python -m benchmarks.bench_grading`"
        ),
        "",
        "| chapter | all cells | graded cells | slowest graded cell |",
        "|---|---:|---:|---|",
    ]
    for r in rows:
        gid, secs = r["slowest"]
        lines.append(
            f"| {r['chapter']} | {r['total']:.1f} s | {r['cells']} | `{gid}` {secs:.2f} s |"
        )
    lines.append("")
    lines.append(
        "Kernel start-up (about 2-3 s, mostly `import torch`) comes on top of each "
        "chapter; the per-cell limit in nbgrader_config.py is 60 s."
    )
    lines.append("")
    if overhead:
        extra = overhead["sandboxed"] - overhead["unsandboxed"]
        lines.append(
            f"Sandbox overhead, one {overhead['slug']} submission through "
            f"`nbgrader autograde --student` (median of {REPEATS}, alternating): "
            f"{overhead['sandboxed']:.1f} s sandboxed vs {overhead['unsandboxed']:.1f} s "
            f"without, **{extra:+.2f} s** per submission (paired differences "
            f"{', '.join(f'{d:+.2f}' for d in overhead['differences'])} s)."
        )
    else:
        lines.append("Sandbox overhead: not measured (bubblewrap is not installed).")
    text = "\n".join(lines) + "\n"
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "grading.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
