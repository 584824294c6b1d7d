"""SourceScan: flag what the student's code does that no answer needs (grading/source_scan.py).

Runs first in the autograde stage, after nbgrader restored the instructor's locked cells and
before anything executes. It scans the answer cells and every unlocked cell whose source is not
the instructor's (a cell the student added or edited), resolving names through the whole
notebook's imports, and notes one flag of kind "introspection" per finding, with the cell and
line in the reason. Flag, never refuse: nothing here changes a score.
"""

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from grading import source_scan
from grading.flags import note
from grading.paths import source_notebook
from helpers.nbcells import grade_id, is_answer_cell, nbgrader_metadata

KIND = "introspection"


def student_cells(nb, instructor_sources: set) -> list[tuple[int, object]]:
    """(index, cell) of the code cells the student wrote: answers, and unlocked cells that
    are not the instructor's unchanged."""
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if (
            is_answer_cell(cell)
            or not nbgrader_metadata(cell)
            and cell.source.strip() not in instructor_sources
        ):
            cells.append((index, cell))
    return cells


def findings(nb, instructor=None) -> list[tuple[str | None, str]]:
    """[(grade_id or None, reason)] for every finding in the student's cells."""
    sources = {c.source.strip() for c in instructor.cells} if instructor is not None else set()
    aliases = source_scan.imports_of(c.source for c in nb.cells if c.cell_type == "code")
    out = []
    for index, cell in student_cells(nb, sources):
        gid = grade_id(cell)
        where = f"answer cell {gid}" if gid else f"cell {index + 1} (not an answer cell)"
        for finding in source_scan.scan(cell.source, aliases):
            out.append((gid, f"{where}, line {finding.line}: {finding.what}"))
    return out


class SourceScan(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = source_notebook(self.config, info["assignment"], info["notebook"])
        instructor = nbformat.read(path, as_version=4) if path.exists() else None
        for cell, reason in findings(nb, instructor):
            note(resources, reason, cell, kind=KIND)
        return nb, resources
