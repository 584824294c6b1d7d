"""First step of grading: is the submitted notebook whole? Flag what a student broke.

Runs first in nbgrader's sanitize stage, before nbgrader restores the tests, and writes a flag
for each problem so the TA sees why a score may be off: a duplicated or renamed grade_id, a
deleted test or answer cell, a test cell unlocked, unmarked or turned into markdown. It repairs
only what would make nbgrader abort (`repair`): a second cell with a grade_id, or a grade_id
the assignment does not have, becomes a plain cell. nbgrader's own OverwriteCells restores
deleted, unlocked or retyped test cells from the gradebook.
"""

from collections import Counter
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from grading.course import source_folder
from grading.flags import flags_path, write_flags


def _ids(nb) -> list[tuple[str, object]]:
    return [
        (c.metadata["nbgrader"]["grade_id"], c)
        for c in nb.cells
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    ]


def problems(submitted, source) -> list[dict]:
    """[{"reason", "cell"}] for every way `submitted` departs from the source's structure."""
    found = []
    counts = Counter(gid for gid, _ in _ids(submitted))
    found += [
        {"reason": f"grade_id appears {n} times (cell duplicated)", "cell": gid}
        for gid, n in counts.items()
        if n > 1
    ]
    theirs = dict(_ids(submitted))
    ours = dict(_ids(source))
    for gid in theirs.keys() - ours.keys():
        found.append({"reason": "unknown grade_id (renamed or added cell)", "cell": gid})
    for gid, cell in ours.items():
        meta = cell.metadata["nbgrader"]
        test = meta.get("grade") and not meta.get("solution")
        what = "test cell" if test else "answer cell" if meta.get("solution") else "locked cell"
        mine = theirs.get(gid)
        if mine is None:
            if meta.get("grade") or meta.get("solution"):
                found.append({"reason": f"{what} deleted or its grade_id changed", "cell": gid})
            continue
        if mine.cell_type != cell.cell_type:
            found.append({"reason": f"{what} turned into {mine.cell_type}", "cell": gid})
        mine_meta = mine.metadata["nbgrader"]
        if test and not (mine_meta.get("grade") and mine_meta.get("locked")):
            found.append({"reason": "test cell unlocked or unmarked", "cell": gid})
    return [dict(f, stage="submission") for f in found]


def repair(nb, source) -> None:
    """Make the notebook gradable: drop nbgrader metadata from duplicated or unknown cells."""
    known, seen = {gid for gid, _ in _ids(source)}, set()
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid is None:
            continue
        if gid in seen or gid not in known:
            # nbgrader's DeduplicateIds would empty the metadata, which then fails validation
            # and aborts grading ("old version of the nbgrader metadata format").
            del cell.metadata["nbgrader"]
        seen.add(gid)


class CheckSubmission(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        source_nb = (
            Path(source_folder(self.config, info["assignment"])) / f"{info['notebook']}.ipynb"
        )
        source = nbformat.read(source_nb, as_version=4)
        found = problems(nb, source)
        repair(nb, source)
        path = flags_path(self.config, info["student"], info["assignment"])
        if found:
            self.log.warning(
                "%s: broken notebook: %s",
                info["student"],
                "; ".join(f"{f['cell']}: {f['reason']}" for f in found),
            )
            write_flags(path, found)
        elif path.exists():
            path.unlink()
        return nb, resources
