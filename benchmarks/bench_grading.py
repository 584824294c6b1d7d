"""How long grading takes: each instructor notebook run as `nbgrader autograde` runs it.

Run: ./dlbook python -m benchmarks.bench_grading    (writes benchmarks/results/grading.md)

NBGRADER_EXECUTION=autograde is set, so chapters shrink their training as they do under
nbgrader; nbclient records when each cell started and finished. Reported per chapter: the whole
notebook, and the slowest answer and test cells (the ones the 60 s per-cell limit guards).
"""
import os
import platform
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
    parse = lambda t: datetime.fromisoformat(t.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


def time_chapter(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    graded = [(c.metadata["nbgrader"]["grade_id"], _seconds(c)) for c in nb.cells
              if c.cell_type == "code" and (c.metadata.get("nbgrader", {}).get("grade")
                                            or c.metadata.get("nbgrader", {}).get("solution"))]
    total = sum(_seconds(c) for c in nb.cells if c.cell_type == "code")
    slowest = max(graded, key=lambda g: g[1])
    return {"chapter": path.parent.name, "total": total, "cells": len(graded),
            "slowest": slowest}


def main() -> None:
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    rows = [time_chapter(p) for p in sorted(ROOT.glob("source/*/*.ipynb"))]
    lines = [
        "# Grading time per chapter (notebooks run as under `nbgrader autograde`)",
        "",
        f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. Command: `./dlbook python -m benchmarks.bench_grading`",
        "",
        "| chapter | all cells | graded cells | slowest graded cell |",
        "|---|---:|---:|---|",
    ]
    for r in rows:
        gid, secs = r["slowest"]
        lines.append(f"| {r['chapter']} | {r['total']:.1f} s | {r['cells']} | "
                     f"`{gid}` {secs:.2f} s |")
    lines.append("")
    lines.append("Kernel start-up (about 2-3 s, mostly `import torch`) comes on top of each "
                 "chapter; the per-cell limit in nbgrader_config.py is 60 s.")
    text = "\n".join(lines) + "\n"
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "grading.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
