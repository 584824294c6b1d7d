"""Student self-check (helpers.selfcheck): `./dlbook check NN` in a terminal and `check()` in a
notebook report which exercises pass their visible tests and the points available."""

import json
import os
import subprocess

import nbformat
import pytest
from nbclient import NotebookClient

from helpers.selfcheck import Result, find_notebook, graded_test_cells, run_notebook, summary
from tools.build import ROOT


def _test_meta(grade_id, points):
    return {
        "nbgrader": {
            "grade": True,
            "solution": False,
            "locked": True,
            "grade_id": grade_id,
            "points": points,
            "schema_version": 3,
        },
        "tags": ["raises-exception"],
    }


def _answer_meta(grade_id):
    return {
        "nbgrader": {
            "grade": False,
            "solution": True,
            "locked": False,
            "grade_id": grade_id,
            "schema_version": 3,
        }
    }


def small_chapter(double_body="return 2 * x", square_body="raise NotImplementedError()", extra=()):
    """A two-exercise chapter in the book's format: one exercise done, one not."""
    nb = nbformat.v4.new_notebook()
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb.cells = [
        code("from helpers.checks import check_equal, passed"),
        md("### Exercise 1 (2 points): double it"),
        code(f"def double(x):\n    {double_body}", metadata=_answer_meta("double")),
        code(
            '"""double: small integers."""\ncheck_equal(double(3), 6, "double(3)")\n'
            'passed("double")',
            metadata=_test_meta("double_test", 2),
        ),
        md("### Exercise 2 (3 points): square it"),
        code(f"def square(x):\n    {square_body}", metadata=_answer_meta("square")),
        code(
            '"""square: small integers."""\ncheck_equal(square(3), 9, "square(3)")\n'
            'passed("square")',
            metadata=_test_meta("square_test", 3),
        ),
        *[code(src) for src in extra],
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def test_test_cells_are_named_by_their_exercise_heading():
    nb = json.loads(nbformat.writes(small_chapter()))
    found = [(title, c["metadata"]["nbgrader"]["points"]) for title, c in graded_test_cells(nb)]
    assert found == [("Exercise 1: double it", 2), ("Exercise 2: square it", 3)]


def test_summary_lists_each_exercise_and_the_points():
    text = summary(
        [
            Result("Exercise 1: a", "a_test", 2, True),
            Result("Exercise 2: b", "b_test", 1, False, "AssertionError: b(1): ..."),
        ]
    )
    lines = text.splitlines()
    assert lines[0].startswith("\u2714 pass  Exercise 1: a") and "2 points" in lines[0]
    assert lines[1].startswith("\u2718 fail  Exercise 2: b") and lines[1].endswith("1 point")
    assert lines[2] == "        AssertionError: b(1): ..."
    assert lines[3].startswith("1 of 2 exercises pass their visible tests: 2 of 3 points")


def test_summary_wraps_long_messages_at_words_and_drops_markdown_code_marks():
    words = [f"value{i}=0.{i:04d}" for i in range(30)]  # tokens a cut would split
    message = "AssertionError: `relu(x)` for " + " ".join(words)
    text = summary([Result("Exercise 3: `relu`", "relu_test", 1, False, message)], width=60)
    lines = text.splitlines()
    assert lines[0].startswith("\u2718 fail  Exercise 3: relu ")
    assert "`" not in text
    message_lines = lines[1:-1]
    assert 1 < len(message_lines) <= 3
    assert all(len(line) <= 60 and line.startswith(" " * 8) for line in message_lines)
    shown = " ".join(message_lines).split()
    # every token shown is whole: a word of the message, or the placeholder at the end
    assert set(shown) - {"..."} <= set(message.replace("`", "").split())


def test_find_notebook_uses_the_working_copy_and_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("DLBOOK_WORK", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"run `./dlbook lab` once"):
        find_notebook("01")
    target = tmp_path / "01_tensors" / "01_tensors.ipynb"
    target.parent.mkdir()
    target.write_text("{}")
    assert find_notebook("01") == target
    assert find_notebook("01_tensors") == target
    assert find_notebook(str(target)) == target
    with pytest.raises(FileNotFoundError, match="does not exist"):
        find_notebook(str(tmp_path / "missing.ipynb"))


@pytest.mark.slow
def test_run_notebook_reports_each_exercise_and_a_stopped_run(tmp_path):
    path = tmp_path / "ch.ipynb"
    nbformat.write(small_chapter(), path)
    results = run_notebook(path)
    assert [(r.grade_id, r.passed) for r in results] == [
        ("double_test", True),
        ("square_test", False),
    ]
    assert "not attempted yet" in results[1].message
    # A wrong answer: the check's own message; an untagged error before a test: "did not run".
    nb = small_chapter(double_body="return x + 2", square_body="return x * x")
    nb.cells.insert(4, nbformat.v4.new_code_cell("raise RuntimeError('a broken demo cell')"))
    nbformat.write(nb, path)
    results = run_notebook(path)
    assert not results[0].passed and "double(3): expected 6, got 5" in results[0].message
    assert not results[1].passed and "did not run" in results[1].message
    assert "a broken demo cell" in results[1].message


@pytest.mark.slow
def test_dlbook_check_on_a_real_chapter_counts_one_finished_exercise(tmp_path):
    """The command a student types, on a released chapter with one exercise filled in."""
    chapter = min(ROOT.glob("release/[0-9][0-9]_*/*.ipynb"))
    source = nbformat.read(ROOT / "source" / chapter.parent.name / chapter.name, 4)
    nb = nbformat.read(chapter, 4)
    first = next(
        c
        for c in nb.cells
        if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"
    )
    first.source = next(c.source for c in source.cells if c.id == first.id)
    work = tmp_path / "work"
    (work / chapter.parent.name).mkdir(parents=True)
    for f in chapter.parent.iterdir():  # the chapter's files (a CSV ...) beside the notebook
        if f.is_file() and f.suffix != ".ipynb":
            (work / chapter.parent.name / f.name).write_bytes(f.read_bytes())
    nbformat.write(nb, work / chapter.parent.name / chapter.name)
    done = subprocess.run(
        [str(ROOT / "dlbook"), "check", chapter.parent.name[:2]],
        env={**os.environ, "DLBOOK_WORK": str(work)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    n_tests = len(graded_test_cells(json.loads(nbformat.writes(nb))))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"1 of {n_tests} exercises pass their visible tests" in done.stdout, done.stdout
    assert "TCP" not in done.stdout + done.stderr, "the kernel's TCP warning reached the student"
    passing = [line for line in done.stdout.splitlines() if line.startswith("\u2714 pass")]
    assert len(passing) == 1


@pytest.mark.slow
def test_check_in_a_notebook_finds_its_notebook_in_vscode_and_colab(tmp_path):
    path = tmp_path / "ch.ipynb"
    nbformat.write(small_chapter(), path)
    nb = small_chapter()
    fake_colab = (
        "import sys, types, json\n"
        "colab = types.ModuleType('google.colab')\n"
        "colab._message = types.SimpleNamespace(blocking_request=lambda kind, timeout_sec: "
        f"{{'ipynb': json.load(open({str(path)!r}))}} if kind == 'get_ipynb' else None)\n"
        "sys.modules['google.colab'] = colab\n"
        "sys.modules['google.colab._message'] = colab._message\n"
    )
    nb.cells += [
        nbformat.v4.new_code_cell(src)
        for src in (
            (
                f"__vsc_ipynb_file__ = {str(path)!r}\n"
                "from helpers.selfcheck import check, run_checks\n"
                "check()\nvscode = run_checks()"
            ),
            f"del __vsc_ipynb_file__\n{fake_colab}check()\ncolab_results = run_checks()",
            (
                "print([(r.grade_id, r.passed) for r in vscode] == "
                "[(r.grade_id, r.passed) for r in colab_results] == "
                "[('double_test', True), ('square_test', False)])"
            ),
        )
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = ["".join(o.get("text", "") for o in c.outputs) for c in nb.cells[-3:]]
    assert "1 of 2 exercises pass their visible tests: 2 of 5 points" in outputs[0]
    assert "\u2718 fail  Exercise 2: square it" in outputs[0]
    assert "not attempted yet" in outputs[0]
    assert outputs[1] == outputs[0], "Colab's copy of the notebook gives the same summary"
    assert outputs[2] == "True\n"
    # check() returns nothing: the cell shows the summary, no `[Result(...)]` repr after it
    assert not [o for c in nb.cells[-3:-1] for o in c.outputs if o.output_type == "execute_result"]
