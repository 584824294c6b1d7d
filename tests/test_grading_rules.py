"""Book-wide rules of the verdict (issue 24), over every test cell of every chapter.

- every built test cell starts (after its docstring) with the build's `isolate(...)` line;
Chapters are found by the build, so a new chapter or exercise is covered without editing this.
"""

import nbformat
import pytest

from grading.verdict.cells import grade_id, is_test_cell
from tools.build import ISOLATE, ROOT, masters

SLUGS = [m.stem for m in masters()]


def _cells(slug):
    nb = nbformat.read(ROOT / "source" / slug / f"{slug}.ipynb", as_version=4)
    for index, cell in enumerate(nb.cells):
        if is_test_cell(cell):
            yield grade_id(cell, index), cell.source


@pytest.mark.parametrize("slug", SLUGS)
def test_every_test_cell_is_isolated(slug):
    missing = [gid for gid, source in _cells(slug) if ISOLATE.format(gid=gid) not in source]
    assert not missing, f"{slug}: run ./dlbook build; test cells without isolate(): {missing}"
