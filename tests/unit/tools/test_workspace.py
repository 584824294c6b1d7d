"""The student's working copy: made once, extended with new chapters, never overwritten."""

import pytest

from tools.workspace import sync_workspace


def test_first_run_copies_every_release_file(tmp_path):
    release = tmp_path / "release"
    (release / "01_tensors").mkdir(parents=True)
    (release / "01_tensors" / "01_tensors.ipynb").write_text("release v1")
    added = sync_workspace(release, tmp_path / "work")
    assert [p.name for p in added] == ["01_tensors.ipynb"]
    assert (tmp_path / "work" / "01_tensors" / "01_tensors.ipynb").read_text() == "release v1"


def test_a_rebuild_adds_new_chapters_but_keeps_student_work(tmp_path):
    release, work = tmp_path / "release", tmp_path / "work"
    (release / "01_tensors").mkdir(parents=True)
    (release / "01_tensors" / "01_tensors.ipynb").write_text("release v1")
    sync_workspace(release, work)
    (work / "01_tensors" / "01_tensors.ipynb").write_text("my answers")
    (release / "01_tensors" / "01_tensors.ipynb").write_text("release v2")
    (release / "02_autograd").mkdir()
    (release / "02_autograd" / "02_autograd.ipynb").write_text("chapter 2")
    added = sync_workspace(release, work)
    assert [p.name for p in added] == ["02_autograd.ipynb"]
    assert (work / "01_tensors" / "01_tensors.ipynb").read_text() == "my answers"


def test_missing_release_says_what_to_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="dlbook build"):
        sync_workspace(tmp_path / "nowhere", tmp_path / "work")


@pytest.mark.slow
def test_lab_shows_students_the_student_tools_only(tmp_path):
    """Rule 9: Validate, not Formgrader, Create Assignment, courses; on a laptop (no course
    server) not the Assignment List either, which could only say 'Error fetching courses!'.
    The course server's lab keeps the Assignment List (tests/test_course_browser.py)."""
    import json
    import re
    import time
    import urllib.error

    from tests.browser.lab import start_lab
    from tests.test_dlbook_cli import _env, _get

    _env(tmp_path)  # skips outside ./dlbook test
    lab = start_lab(tmp_path)
    try:
        page = _get(lab.url("lab"))
        config = json.loads(
            re.search(
                r'id="jupyter-config-data"[^>]*>\s*(\{.*?\})\s*</script>', page, re.DOTALL
            ).group(1)
        )
        disabled = config.get("disabledExtensions", [])
        for plugin in ("formgrader", "create-assignment", "course-list", "assignment-list"):
            assert f"@jupyter/nbgrader:{plugin}" in disabled, disabled
        assert "@jupyter/nbgrader:validate-assignment" not in disabled, disabled
        with pytest.raises(urllib.error.HTTPError, match="404"):
            _get(lab.url("formgrader"))
        time.sleep(2)  # let the server log anything it has to say about the course
    finally:
        lab.stop()
    seen = "".join(lab.log)
    assert "not a subdirectory" not in seen, seen[-2000:]


def test_a_copied_notebook_says_the_kernels_python_version(tmp_path):
    """The release has no Python version (tools/build.py); the student's copy gets exactly what
    this environment's ipykernel reports, so JupyterLab has nothing to rewrite on open (issue 23
    item 6), and only that line differs from the release."""
    import json

    from ipykernel.ipkernel import IPythonKernel

    from tools.build import notebook_metadata

    release = tmp_path / "release"
    (release / "01_tensors").mkdir(parents=True)
    built = {
        "cells": [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["# Café\n"]}],
        "metadata": notebook_metadata(),
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    text = json.dumps(built, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    (release / "01_tensors" / "01_tensors.ipynb").write_text(text, encoding="utf-8")
    (release / "01_tensors" / "data.csv").write_text("a,b\n1,2\n")
    sync_workspace(release, tmp_path / "work")
    copy = (tmp_path / "work" / "01_tensors" / "01_tensors.ipynb").read_text(encoding="utf-8")
    kernel_says = IPythonKernel.language_info
    assert json.loads(copy)["metadata"]["language_info"] == kernel_says
    lexer = '   "pygments_lexer": "ipython3"\n'
    version = f'   "pygments_lexer": "ipython3",\n   "version": "{kernel_says["version"]}"\n'
    assert copy == text.replace(lexer, version)  # nothing else changed, "Café" included
    assert (tmp_path / "work" / "01_tensors" / "data.csv").read_text() == "a,b\n1,2\n"
