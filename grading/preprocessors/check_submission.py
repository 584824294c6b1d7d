"""CheckSubmission: the first step of grading: is the submitted notebook whole? Flag what a
student broke.

Runs first in nbgrader's sanitize stage, before nbgrader restores the tests, and writes a flag
for each problem so the TA sees why a score may be off: a duplicated or renamed grade_id, a
deleted test or answer cell, a test cell unlocked, unmarked or turned into markdown. It repairs
only what would make nbgrader abort (`repair`): a second cell with a grade_id, or a grade_id
the assignment does not have, becomes a plain cell. nbgrader's own OverwriteCells restores
deleted, unlocked or retyped test cells from the gradebook.
"""

from collections import Counter

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from grading.flags import SUBMISSION_STAGE, Flag, describe, write_flags
from grading.paths import configured_flags_file, source_notebook
from helpers.nbcells import grade_id, is_test_metadata, nbgrader_metadata, role


def _ids(nb) -> list[tuple[str, object]]:
    return [(grade_id(c), c) for c in nb.cells if grade_id(c)]


def problems(submitted, source) -> list[Flag]:
    """A flag for every way `submitted` departs from the source's structure."""
    found = []
    counts = Counter(gid for gid, _ in _ids(submitted))
    found += [
        (f"grade_id appears {n} times (cell duplicated)", gid) for gid, n in counts.items() if n > 1
    ]
    theirs = dict(_ids(submitted))
    ours = dict(_ids(source))
    for gid in theirs.keys() - ours.keys():
        found.append(("unknown grade_id (renamed or added cell)", gid))
    for gid, cell in ours.items():
        meta = nbgrader_metadata(cell)
        what = role(meta)
        mine = theirs.get(gid)
        if mine is None:
            if meta.get("grade") or meta.get("solution"):
                found.append((f"{what} deleted or its grade_id changed", gid))
            continue
        if mine.cell_type != cell.cell_type:
            found.append((f"{what} turned into {mine.cell_type}", gid))
        mine_meta = nbgrader_metadata(mine)
        if is_test_metadata(meta) and not (mine_meta.get("grade") and mine_meta.get("locked")):
            found.append(("test cell unlocked or unmarked", gid))
    return [Flag(reason, cell, SUBMISSION_STAGE, "broken_notebook") for reason, cell in found]


def repair(nb, source) -> None:
    """Make the notebook gradable: drop nbgrader metadata from duplicated or unknown cells."""
    known, seen = {gid for gid, _ in _ids(source)}, set()
    for cell in nb.cells:
        gid = grade_id(cell)
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
        source_nb = source_notebook(self.config, info["assignment"], info["notebook"])
        source = nbformat.read(source_nb, as_version=4)
        found = problems(nb, source)
        repair(nb, source)
        path = configured_flags_file(self.config, info["student"], info["assignment"])
        if found:
            self.log.warning("%s: broken notebook: %s", info["student"], describe(found))
            write_flags(path, found)
        elif path.exists():
            path.unlink()
        return nb, resources
