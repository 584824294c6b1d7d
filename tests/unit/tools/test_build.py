"""The build pipeline: masters -> source -> release, deterministic and committed up to date."""

import re

import nbformat
import pytest

from tools.build import ROOT, MasterError, build, master_to_notebook, masters, out_of_date

# Minimum graded exercises per chapter, from the issues.
MIN_EXERCISES = {"01_tensors": 8, "02_autograd": 8, "03_mlp_numpy": 10}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("fresh_build")
    build(ROOT, out)
    return out


@pytest.mark.slow  # a full build of every chapter (nbgrader generate_assignment)
def test_committed_notebooks_match_a_fresh_build(fresh):
    stale = out_of_date(ROOT, fresh)
    assert not stale, f"run `./dlbook build` and commit: {stale}"


@pytest.mark.slow  # a full build of every chapter (nbgrader generate_assignment)
def test_build_is_byte_identical_on_rerun(fresh, tmp_path):
    build(ROOT, tmp_path)
    assert out_of_date(fresh, tmp_path) == []


@pytest.mark.slow  # a full build of every chapter (nbgrader generate_assignment)
def test_out_of_date_notices_changed_and_extra_files(fresh, tmp_path):
    build(ROOT, tmp_path)
    nb = next((tmp_path / "release").rglob("*.ipynb"))
    nb.write_text(nb.read_text() + " ")
    (tmp_path / "source" / "99_gone").mkdir()
    (tmp_path / "source" / "99_gone" / "99_gone.ipynb").write_text("{}")
    stale = out_of_date(tmp_path, fresh)
    assert str(nb.relative_to(tmp_path)) in stale
    assert "source/99_gone/99_gone.ipynb" in stale


def _generated():
    return sorted(ROOT.glob("source/*/*.ipynb")) + sorted(ROOT.glob("release/*/*.ipynb"))


@pytest.mark.parametrize("path", _generated(), ids=lambda p: str(p.relative_to(ROOT)))
def test_generated_notebooks_carry_no_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize(
    "path", sorted(ROOT.glob("release/*/*.ipynb")), ids=lambda p: p.parent.name
)
def test_release_hides_solutions_and_hidden_tests(path):
    text = path.read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS"):
        assert marker not in text
    nb = nbformat.read(path, as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert answers and all("raise NotImplementedError()" in c.source for c in answers)


@pytest.mark.parametrize("master", masters(), ids=lambda p: p.stem)
def test_chapter_follows_the_authoring_rules(master):
    nb = master_to_notebook(master)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata["nbgrader"]["grade_id"] == "setup", "first code cell is `setup`"
    tests = [c for c in code if c.metadata.get("nbgrader", {}).get("grade")]
    answers = [c for c in code if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(answers) >= MIN_EXERCISES.get(master.stem, 8)
    for cell in tests:
        gid = cell.metadata["nbgrader"]["grade_id"]
        assert re.match(r'\s*"""[^\n]+', cell.source), f"{gid}: open with a one-line docstring"
        assert "### BEGIN HIDDEN TESTS" in cell.source, f"{gid}: has no hidden tests"
        assert "print(" not in cell.source.split("### BEGIN HIDDEN TESTS")[1], (
            f"{gid}: hidden tests must not print (feedback would show it)"
        )
    for cell in answers:
        assert "### BEGIN SOLUTION" in cell.source


def _master(tmp_path, body: str):
    path = tmp_path / "notebooks" / "99_demo.md"
    path.parent.mkdir()
    path.write_text("---\njupytext:\n  text_representation:\n    format_name: myst\n---\n" + body)
    return path


def test_duplicate_grade_ids_are_refused(tmp_path):
    cell = (
        "```{code-cell} ipython3\n---\nnbgrader: {grade_id: same, locked: true}\n---\nx = 1\n```\n"
    )
    with pytest.raises(MasterError, match="'same' is used twice"):
        master_to_notebook(_master(tmp_path, cell + "\n" + cell))


def test_a_graded_cell_without_points_is_refused(tmp_path):
    cell = (
        "```{code-cell} ipython3\n---\nnbgrader: {grade_id: t, grade: true}\n---\nassert 1\n```\n"
    )
    with pytest.raises(MasterError, match="needs `points`"):
        master_to_notebook(_master(tmp_path, cell))


def test_test_cells_are_locked_so_nbgrader_restores_them(tmp_path):
    cell = (
        "```{code-cell} ipython3\n---\nnbgrader: {grade_id: t, grade: true, points: 1}\n"
        "---\nassert 1\n```\n"
    )
    meta = master_to_notebook(_master(tmp_path, cell)).cells[0].metadata["nbgrader"]
    assert meta["locked"] is True and meta["schema_version"] == 3 and meta["points"] == 1


def test_built_metadata_is_the_same_on_every_python(tmp_path, monkeypatch):
    """No Python version in a built notebook: a build on 3.11.9 equals one on 3.11.7 (CI's
    no-diff rule), and JupyterLab has no version of ours to rewrite on open (issue 23 item 6).
    The student's copy gets its kernel's version from tools/workspace.py."""
    import sys

    master = _master(tmp_path, "```{code-cell} ipython3\nx = 1\n```\n")
    first = master_to_notebook(master).metadata
    monkeypatch.setattr(sys, "version_info", (3, 99, 42, "final", 0))
    monkeypatch.setattr(sys, "version", "3.99.42 (main) [GCC]")
    assert master_to_notebook(master).metadata == first
    assert "version" not in first["language_info"], first["language_info"]
