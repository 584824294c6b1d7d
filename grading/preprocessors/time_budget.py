"""The time a whole notebook may take to grade: max(floor, factor x the solution's run time).

Every cell has its own limit (`Execute.timeout`, 60 s), but a notebook of cells that each sleep
just under it, or end in timed-out cells, would still hold a grader for many minutes (one took
243 s, with full marks and no flag). So each submission also gets a budget for the whole
notebook, derived from how long the instructor's solution takes to run on the same machine
with the same grader: the defaults, max(120 s, 10x the solution), give chapter 01 (about 6 s
with kernel start) 120 s, twenty times what an honest submission needs, while a submission that
only wastes time is stopped, graded on what ran and flagged (GradingExecute).

The solution's time is measured when its reference records are computed (it runs through
GradingExecute like a submission) and kept beside them in the reference cache, keyed by the
notebook's content. A submission whose solution time is not known yet (the first graders of a
cold batch) starts with the floor as a provisional budget; only if it spends the floor is the
reference looked up (or computed), so grading never waits for the solution's run up front.
When the time stays unknown (records cached by an older grader), the budget is the floor.
"""

import hashlib
import json
import os

import nbformat

from grading.paths import reference_cache, source_notebook


def notebook_key(nb) -> str:
    """What identifies the solution notebook (its content, as nbformat writes it)."""
    return hashlib.sha256(nbformat.writes(nb).encode()).hexdigest()[:24]


def _path(key: str):
    return reference_cache() / f"solution-seconds-{key}.json"


def record_solution_seconds(key: str, seconds: float) -> None:
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"seconds": round(seconds, 3)}))
    tmp.replace(path)  # atomic: a parallel grader never reads half a file


def _source(preprocessor, resources: dict):
    info = resources["nbgrader"]
    try:
        source_nb = source_notebook(preprocessor.config, info["assignment"], info["notebook"])
        return source_nb, notebook_key(nbformat.read(source_nb, as_version=4))
    except (KeyError, OSError, ValueError):
        return None, None


def _read(key: str) -> float | None:
    try:
        return float(json.loads(_path(key).read_text())["seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def known_solution_seconds(preprocessor, resources: dict) -> float | None:
    """The solution's run time if it was measured already (None: not yet, or unknown)."""
    _, key = _source(preprocessor, resources)
    return None if key is None else _read(key)


def solution_seconds(preprocessor, resources: dict) -> float | None:
    """How long the solution of the notebook being graded ran, running it first if its
    reference records are not computed yet (None: unknown)."""
    from grading.verdict.reference import reference_records

    source_nb, key = _source(preprocessor, resources)
    if key is None:
        return None

    def execute(notebook, res):
        return type(preprocessor)(config=preprocessor.config).preprocess(notebook, res)

    # Computed once, under its lock (CompareRecords reads the same records from the cache).
    reference_records(source_nb, execute)
    return _read(key)


def budget(solution: float | None, floor: float, factor: float) -> float:
    return floor if solution is None else max(floor, factor * solution)
