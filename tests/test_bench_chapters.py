"""benchmarks/bench_chapters: chapter selection, the results page, and one real-kernel run of a
tiny notebook with the student's environment (CUDA hidden, the data folder set, no grading)."""

import json

import nbformat
import pytest

from benchmarks import bench_chapters


def test_only_selects_chapters_by_number_or_slug_in_book_order():
    every = bench_chapters.chapters()
    assert every == sorted(every) and "04_training" in every
    assert bench_chapters.chapters(["04"]) == ["04_training"]
    assert bench_chapters.chapters(["06", "04_training"]) == ["04_training", "06_lenet"]
    with pytest.raises(SystemExit, match="no chapter master matches '99'"):
        bench_chapters.chapters(["99"])


def _result(seconds, error=None):
    return {
        "seconds": seconds,
        "cells_run": "3 of 3",
        "cells": [{"cell": 3, "seconds": seconds - 1, "first_line": "train(net)"}],
        "load_before": "1.0/1.0/1.0",
        "load_after": "2.0/1.0/1.0",
        "error": error,
        "date": "2026-12-02 08:00 UTC",
        "machine": "a test machine",
        "cores": 2,
        "command": "python -m benchmarks.bench_chapters --only 04",
    }


def test_a_run_of_some_chapters_keeps_the_rows_of_the_others(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_chapters, "RESULTS", tmp_path)
    bench_chapters.save({"04_training": _result(100.0), "06_lenet": _result(400.0)})
    merged = bench_chapters.merge(bench_chapters.previous_results(), {"04_training": _result(90.0)})
    page = bench_chapters.save(merged).read_text()
    assert "| 04_training | 90 | meets | 3 of 3 | 2 |" in page
    assert "| 06_lenet | 400 | misses | 3 of 3 | 2 |" in page  # over the 300 s target
    assert json.loads((tmp_path / "chapters.json").read_text())["04_training"]["seconds"] == 90.0
    assert "load before -> after" in page and "a test machine" in page


def test_a_chapter_that_stops_says_where(tmp_path, monkeypatch):
    monkeypatch.setattr(bench_chapters, "RESULTS", tmp_path)
    page = bench_chapters.save({"04_training": _result(5.0, error="NameError: x")}).read_text()
    assert "| 04_training | 5 | error: NameError: x |" in page


@pytest.mark.slow
def test_a_notebook_runs_in_a_kernel_that_sees_a_students_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # the benchmark must unset it
    monkeypatch.setenv("DLBOOK_SETTINGS", "grading")  # and this
    folder = tmp_path / "99_probe"
    folder.mkdir()
    seen = tmp_path / "seen.json"
    probe = (
        "import json, os, torch\n"
        f"json.dump([os.environ.get(k) for k in ('DLBOOK_DATA', 'NBGRADER_EXECUTION', "
        f"'DLBOOK_SETTINGS', 'DLBOOK_CHECKPOINTS')] + [torch.cuda.is_available()], "
        f"open({str(seen)!r}, 'w'))\n"
        "open('written-here', 'w').write('x')\n"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(probe)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, folder / "99_probe.ipynb")
    env = bench_chapters.kernel_environment(tmp_path / "data")
    result = bench_chapters.run_notebook(folder / "99_probe.ipynb", env)
    assert result["error"] is None
    assert result["cells"] and result["cells"][0]["first_line"] == "import json, os, torch"
    assert json.loads(seen.read_text()) == [
        str(tmp_path / "data"),
        None,
        None,
        str(tmp_path / "data" / "checkpoints"),
        False,
    ]
    assert not (folder / "written-here").exists(), "the chapter ran in the source folder"
    assert (folder.parent / "seen.json").exists()
    import os

    assert os.environ["NBGRADER_EXECUTION"] == "autograde", "the environment was not restored"
