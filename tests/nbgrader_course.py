"""A throw-away nbgrader course for tests: real `nbgrader` commands on a temporary root."""

import copy
import subprocess
import sys
from pathlib import Path

import nbformat

from tools.build import ROOT, tool_env


class Course:
    def __init__(self, root: Path):
        self.root = root

    def nbgrader(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={self.root}"]
        # cwd=ROOT so nbgrader reads the course's own nbgrader_config.py.
        done = subprocess.run(
            cmd, cwd=ROOT, env=tool_env(), capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def add_source(self, slug: str) -> None:
        target = self.root / "source" / slug
        target.mkdir(parents=True, exist_ok=True)
        for f in (ROOT / "source" / slug).iterdir():
            if f.is_file():
                (target / f.name).write_bytes(f.read_bytes())

    def release_chapter(self, slug: str) -> tuple:
        """Add the chapter, generate its release; return (source, release, wrong) notebooks.

        `wrong` is the solution with the chapter's one plausible wrong answer
        (tests/wrong_answers/) in place of that exercise's answer.
        """
        from tests.wrong_answers import wrong_answers

        self.add_source(slug)
        self.nbgrader("generate_assignment", slug, "--force")
        source, release = self.source(slug), self.release(slug)
        gid, wrong_src = wrong_answers()[slug]
        index = next(i for i, _ in exercises(source) if nbg(source.cells[i])["grade_id"] == gid)
        return source, release, with_cell(source, index, wrong_src)

    def release(self, slug: str):
        return nbformat.read(self.root / "release" / slug / f"{slug}.ipynb", as_version=4)

    def source(self, slug: str):
        return nbformat.read(self.root / "source" / slug / f"{slug}.ipynb", as_version=4)

    def submit(self, student: str, slug: str, nb) -> None:
        folder = self.root / "submitted" / student / slug
        folder.mkdir(parents=True, exist_ok=True)
        for f in (self.root / "release" / slug).iterdir():  # data files shipped with the release
            if f.is_file() and f.suffix != ".ipynb":
                (folder / f.name).write_bytes(f.read_bytes())
        nbformat.write(nb, folder / f"{slug}.ipynb")

    def scores(self, slug: str) -> dict:
        """{student: (score, max_score)} from the gradebook."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}", "dlbook") as gb:
            return {s.student.id: (s.score, s.max_score) for s in gb.assignment_submissions(slug)}

    def cell_scores(self, slug: str, student: str) -> dict:
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}", "dlbook") as gb:
            nb = gb.find_submission_notebook(slug, slug, student)
            return {g.name: (g.score, g.max_score) for g in nb.grades}


def nbg(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def exercises(nb) -> list[tuple[int, list[int]]]:
    """[(answer cell index, [indices of the test cells that grade it])] in notebook order.

    A test cell grades the nearest answer cell above it.
    """
    out: list[tuple[int, list[int]]] = []
    for i, cell in enumerate(nb.cells):
        meta = nbg(cell)
        if meta.get("solution") and cell.cell_type == "code":
            out.append((i, []))
        elif meta.get("grade") and out:
            out[-1][1].append(i)
    return out


def with_cell(nb, index: int, source: str):
    changed = copy.deepcopy(nb)
    changed.cells[index].source = source
    return changed
