"""The `./dlbook` entry point: `lab` really serves JupyterLab on the student's working copy."""

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.browser.lab import start_lab
from tools.build import ROOT

DLBOOK = str(ROOT / "dlbook")


def _env(tmp_path) -> dict:
    ready = Path(sys.prefix) / ".dlbook-ready"
    if not ready.exists():
        pytest.skip("run through ./dlbook test, so that the book's environment is the one in use")
    env = dict(os.environ, DLBOOK_ENV=sys.prefix, DLBOOK_WORK=str(tmp_path / "work"))
    env.pop("DISPLAY", None)
    return env


def _get(url: str) -> str:
    # No proxy (a CI runner's proxy settings must not catch loopback traffic); the server has
    # printed its URL, but give a busy machine a few seconds to accept connections.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for attempt in range(10):
        try:
            with opener.open(url, timeout=20) as reply:
                return reply.read().decode()
        except urllib.error.URLError:
            if attempt == 9:
                raise
            time.sleep(1)
    return ""


@pytest.mark.slow
def test_lab_serves_jupyterlab_on_a_working_copy(tmp_path):
    _env(tmp_path)  # skips outside ./dlbook test
    lab = start_lab(tmp_path)
    try:
        assert "open the http://127.0.0.1 URL printed below" in "".join(lab.log)
        assert "01_tensors.ipynb" in _get(lab.url("api/contents/01_tensors"))
        assert (lab.work / "01_tensors" / "01_tensors.ipynb").is_file()
    finally:
        lab.stop()


def test_unknown_command_says_what_to_run():
    done = subprocess.run([DLBOOK, "nonsense"], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "./dlbook help" in done.stderr


def test_help_lists_the_commands():
    done = subprocess.run([DLBOOK, "help"], capture_output=True, text=True, check=False)
    for command in ("lab", "test", "build", "autograde"):
        assert f"./dlbook {command}" in done.stdout


@pytest.mark.slow
def test_autograde_grades_a_submission_from_a_fresh_course(tmp_path):
    env = _env(tmp_path)
    (tmp_path / "source").mkdir()
    shutil.copytree(ROOT / "source" / "01_tensors", tmp_path / "source" / "01_tensors")
    submission = tmp_path / "submitted" / "alice" / "01_tensors"
    shutil.copytree(ROOT / "source" / "01_tensors", submission)
    done = subprocess.run(
        [DLBOOK, "autograde", "01_tensors", f"--CourseDirectory.root={tmp_path}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "feedback" / "alice" / "01_tensors" / "01_tensors.html").is_file()
    assert not (tmp_path / "release").exists(), "autograde must not write a release"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "dlbook") as gb:
        sub = gb.find_submission("01_tensors", "alice")
        assert sub.max_score > 0 and sub.score == sub.max_score
