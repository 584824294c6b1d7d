"""Reference records: the instructor's solution run through the same rewrite and kernel.

The source notebook (with solutions) is rewritten and executed exactly as a submission is, in a
scratch copy of its folder, and each test cell's records are kept. They are cached under a hash
of the source folder, the book's kernel-side code and this package, in a folder no grading
kernel can see (paths.reference_cache()), so a class is graded against one run.

The notebook is run by the caller's `execute(nb, resources)` (CompareRecords passes the
GradingExecute preprocessor's), so this package needs nothing from the preprocessors.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import nbformat

from grading.flags import noted
from grading.paths import BOOK, KERNEL_PACKAGES, reference_cache
from grading.verdict.cells import grade_id, is_test_cell


class ReferenceError(RuntimeError):
    """The instructor's solution does not pass its own tests: grading would be meaningless."""


def _key(source_dir: Path) -> str:
    digest = hashlib.sha256()
    folders = [source_dir] + [BOOK / p for p in KERNEL_PACKAGES]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(folder)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:24]


def compute(source_nb: Path, execute) -> dict:
    """Run the solution with `execute(nb, resources)` and return {grade_id: [records]}; raise
    ReferenceError if it fails its own tests."""
    nb = nbformat.read(source_nb, as_version=4)
    with tempfile.TemporaryDirectory(prefix="dlbook-reference-") as scratch:
        for path in source_nb.parent.iterdir():  # data files the chapter reads, not notebooks
            if path.is_file() and path.suffix != ".ipynb":
                shutil.copy(path, scratch)
        resources = {"metadata": {"path": scratch}}
        previous = os.environ.get("NBGRADER_EXECUTION")
        os.environ["NBGRADER_EXECUTION"] = "autograde"  # what nbgrader sets while grading
        try:
            execute(nb, resources)
        finally:
            if previous is None:
                os.environ.pop("NBGRADER_EXECUTION")
            else:
                os.environ["NBGRADER_EXECUTION"] = previous
    problems = [f"{f.cell}: {f.reason}" for f in noted(resources)]
    for index, cell in enumerate(nb.cells):
        if is_test_cell(cell) and any(o.get("output_type") == "error" for o in cell.outputs):
            error = next(o for o in cell.outputs if o.get("output_type") == "error")
            problems.append(
                f"{grade_id(cell, index)}: {error.get('ename')}: {error.get('evalue')}"[:300]
            )
    records = resources.get("dlbook", {}).get("records", {})
    for gid, found in records.items():
        problems += [
            f"{gid}: the solution's record {r.get('error')}" for r in found if "error" in r
        ]
    if problems:
        raise ReferenceError(
            f"the instructor's solution in {source_nb} fails its own tests, so "
            "submissions cannot be graded against it: " + "; ".join(problems)
        )
    return records


def reference_records(source_nb: Path, execute) -> dict:
    """{grade_id: [records]} for the solution notebook, from the cache when it is current.

    Graders started together (a parallel batch) wait on a lock while the first computes the
    records, instead of all running the solution at once.
    """
    cache = reference_cache()
    path = cache / f"{source_nb.stem}-{_key(source_nb.parent)}.json"
    if path.exists():
        return json.loads(path.read_text())
    cache.mkdir(parents=True, exist_ok=True)
    os.chmod(cache, 0o700)
    with _locked(cache / f"{source_nb.stem}.lock"):
        if path.exists():  # computed by the grader that held the lock before us
            return json.loads(path.read_text())
        records = compute(source_nb, execute)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(records))
        tmp.replace(path)  # atomic: a grader without the lock never reads half a file
    return records


@contextlib.contextmanager
def _locked(lock_path: Path):
    """An exclusive advisory lock between processes on this machine (released on exit, also
    when the holder dies)."""
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
