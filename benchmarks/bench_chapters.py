"""Each chapter's Run All on a CPU, as a student runs it; target under 5 minutes on 2 cores.

    PYTHONPATH=. python -m benchmarks.bench_chapters                # every chapter
    PYTHONPATH=. python -m benchmarks.bench_chapters --only 04      # one chapter (04, 04_training)
    PYTHONPATH=. python -m benchmarks.bench_chapters --only 04 06 --cores 2

What runs: the instructor notebook `source/NN_slug/NN_slug.ipynb` (the student's release with
every exercise filled in by its solution), in a real Jupyter kernel, top to bottom, in a scratch
copy of its folder. A student's settings: no GPU (CUDA hidden from the kernel, so every
`pick_settings` picks its CPU sizes), NBGRADER_EXECUTION and DLBOOK_SETTINGS unset, and
synthetic datasets of the real sizes (Fashion-MNIST 60,000 / 10,000, CIFAR-10 50,000 / 10,000)
written once by `helpers.fake_data` into a temporary folder that DLBOOK_DATA points to. The
first chapter that loads a dataset pays its one-time decode, as a student's first run does.

`--cores N` pins the kernels to N of this machine's cores (`os.sched_setaffinity`, inherited
by the kernel), to measure the 2-core target on a bigger machine. Timings taken while other
work runs on the machine are upper bounds: the load average before and after each chapter is
recorded beside its time.

Results: benchmarks/results/chapters.md, one row per chapter (a run of some chapters keeps the
other chapters' rows, each with its own date, machine and load) and each chapter's slowest
cells; the numbers themselves are kept in benchmarks/results/chapters.json.
"""

import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
TARGET_SECONDS = 300
CELL_TIMEOUT_S = 1800
SLOWEST_SHOWN = 5


def chapters(only=None) -> list:
    """The chapter slugs to run, in book order: all of them, or those `only` names."""
    from tools.build import masters

    if not only:
        return [m.stem for m in masters(ROOT)]
    slugs = []
    for name in only:
        for m in masters(ROOT, name):  # SystemExit naming the choice if nothing matches
            if m.stem not in slugs:
                slugs.append(m.stem)
    return sorted(slugs)


def write_datasets(root: Path) -> None:
    """Synthetic Fashion-MNIST and CIFAR-10 of the real sizes, in torchvision's formats."""
    from helpers.fake_data import write_fake_cifar10, write_fake_fashion_mnist

    write_fake_fashion_mnist(root, n_train=60000, n_test=10000)
    write_fake_cifar10(root, n_train=50000, n_test=10000)


def kernel_environment(data_root: Path) -> dict:
    """The variables a student's kernel sees here: a CPU, the data folder, no grading, and no
    earlier checkpoints (a first Run All: a finished run in ~/.cache would be resumed, not timed)."""
    env = {
        "DLBOOK_DATA": str(data_root),
        "DLBOOK_CHECKPOINTS": str(data_root / "checkpoints"),
        "CUDA_VISIBLE_DEVICES": "",
    }
    gone = ("NBGRADER_EXECUTION", "DLBOOK_SETTINGS")
    return {"set": env, "unset": gone}


def _cell_seconds(cell) -> float | None:
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = datetime.datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def run_notebook(path: Path, env: dict) -> dict:
    """Execute the notebook at `path` in a scratch copy of its folder; time it and its cells.

    Run All semantics: a cell tagged raises-exception may fail (a test cell), any other error
    stops the run and is reported.
    """
    import nbformat
    from nbclient import NotebookClient

    saved = {k: os.environ.get(k) for k in [*env["set"], *env["unset"]]}
    os.environ.update(env["set"])  # the kernel inherits this process's environment
    for name in env["unset"]:
        os.environ.pop(name, None)
    error = None
    with tempfile.TemporaryDirectory(prefix="dlbook-bench-") as scratch:
        folder = Path(scratch) / path.parent.name
        shutil.copytree(path.parent, folder)
        nb = nbformat.read(folder / path.name, as_version=4)
        load_before = load_average()
        tic = time.perf_counter()
        try:
            NotebookClient(
                nb,
                timeout=CELL_TIMEOUT_S,
                kernel_name="python3",
                record_timing=True,
                resources={"metadata": {"path": str(folder)}},
            ).execute()
        except Exception as err:  # noqa: BLE001 -- nbclient's error names the cell; reported
            error = str(err).strip().splitlines()[-1][:300] if str(err).strip() else repr(err)
        finally:
            total = time.perf_counter() - tic
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    cells, code_cells = [], sum(1 for cell in nb.cells if cell.cell_type == "code")
    for index, cell in enumerate(nb.cells):
        seconds = _cell_seconds(cell) if cell.cell_type == "code" else None
        if seconds is not None:
            first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
            cells.append({"cell": index, "seconds": round(seconds, 2), "first_line": first[:70]})
    executed = len(cells)
    cells.sort(key=lambda c: -c["seconds"])
    return {
        "seconds": round(total, 1),
        "cells_run": f"{executed} of {code_cells}",
        "cells": cells[:SLOWEST_SHOWN],
        "load_before": load_before,
        "load_after": load_average(),
        "error": error,
    }


def load_average() -> str:
    try:
        return "/".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def machine(cores) -> str:
    from benchmarks.bench_train import machine_description

    pinned = f"; kernel pinned to {cores} cores" if cores else ""
    return machine_description() + pinned


def merge(previous: dict, new: dict) -> dict:
    """The chapters' results: the new runs replace those chapters' rows, the others stay."""
    return {**previous, **new}


def render(results: dict) -> str:
    """benchmarks/results/chapters.md from the per-chapter results, in book order."""
    lines = [
        "# Chapters: Run All on a CPU with a student's settings",
        "",
        (
            "Each chapter's instructor notebook (the release filled with its solutions) executed "
            "in a real kernel, CUDA hidden, CPU-sized settings, synthetic datasets of the real "
            f"sizes. Target: under {TARGET_SECONDS} s per chapter on 2 cores. Each row is one "
            "run, with its own date, machine and load average (1/5/15 min) before and after: a "
            "time taken on a loaded machine is an upper bound."
        ),
        "",
        (
            "| chapter | Run All (s) | target | code cells run | cores | date | load before -> after "
            "| command |"
        ),
        "|---|---:|---|---|---:|---|---|---|",
    ]
    for slug in sorted(results):
        r = results[slug]
        verdict = (
            "error: " + r["error"]
            if r.get("error")
            else ("meets" if r["seconds"] < TARGET_SECONDS else "misses")
        )
        lines.append(
            f"| {slug} | {r['seconds']:.0f} | {verdict} | {r.get('cells_run', '?')} "
            f"| {r['cores']} | {r['date']} "
            f"| {r['load_before']} -> {r['load_after']} | `{r['command']}` |"
        )
    for slug in sorted(results):
        r = results[slug]
        lines += [
            "",
            f"## {slug}",
            "",
            f"- machine: {r['machine']}",
            "",
            "| cell | seconds | first line |",
            "|---:|---:|---|",
            *[f"| {c['cell']} | {c['seconds']:.1f} | `{c['first_line']}` |" for c in r["cells"]],
        ]
    return "\n".join(lines) + "\n"


def save(results: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    data = RESULTS / "chapters.json"
    data.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    page = RESULTS / "chapters.md"
    tmp = page.with_name(page.name + ".tmp")
    tmp.write_text(render(results))
    os.replace(tmp, page)
    return page


def previous_results() -> dict:
    path = RESULTS / "chapters.json"
    return json.loads(path.read_text()) if path.exists() else {}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", nargs="+", default=None, help="chapters to run: 04, 04_training, 06 ... "
    )
    parser.add_argument(
        "--cores", type=int, default=None, help="pin the kernels to this many cores"
    )
    args = parser.parse_args(argv)
    slugs = chapters(args.only)
    cores = args.cores
    if cores:
        available = sorted(os.sched_getaffinity(0))
        if cores > len(available):
            raise SystemExit(f"--cores {cores}: this process may use only {len(available)} cores")
        os.sched_setaffinity(0, available[:cores])
    used = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    command = (
        "PYTHONPATH=. python -m benchmarks.bench_chapters"
        + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    )
    new = {}
    with tempfile.TemporaryDirectory(prefix="dlbook-bench-data-") as data:
        print(f"writing full-size synthetic datasets to {data} ...", flush=True)
        write_datasets(Path(data))
        env = kernel_environment(Path(data))
        for slug in slugs:
            print(f"-- {slug}: Run All ...", flush=True)
            result = run_notebook(ROOT / "source" / slug / f"{slug}.ipynb", env)
            result.update(
                date=f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
                machine=machine(cores),
                cores=used,
                command=command,
            )
            new[slug] = result
            status = f" (stopped: {result['error']})" if result["error"] else ""
            print(f"   {result['seconds']:.0f} s{status}", flush=True)
    results = merge(previous_results(), new)
    print(f"wrote {save(results)}")
    return new


if __name__ == "__main__":
    main()
