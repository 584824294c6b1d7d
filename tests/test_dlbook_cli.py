"""The `./dlbook` entry point: `lab` really serves JupyterLab on the student's working copy, and
every command exits 0 when it did its job and non-zero, with a message saying what to do, when
the user got something wrong (issue 22)."""

import os
import re
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


def _commands() -> list[str]:
    """The command names of dlbook's `case` (read from the script, so a new one is covered)."""
    script = Path(DLBOOK).read_text()
    labels = re.findall(r"^    ([a-z|-]+)\)$", script, flags=re.MULTILINE)
    return [name for label in labels for name in label.split("|") if not name.startswith("-")]


def test_help_lists_every_command_and_only_help():
    done = subprocess.run([DLBOOK, "help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    for command in _commands():
        if command != "help":
            assert f"./dlbook {command}" in done.stdout, f"{command} is missing from ./dlbook help"
    assert "set -euo" not in done.stdout, "help printed the script's code"


def _run(tmp_path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [DLBOOK, *args],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_python_passes_the_exit_status_on(tmp_path):
    assert _run(tmp_path, "python", "-c", "raise SystemExit(3)").returncode == 3


# Every command, given what a user might get wrong: the exit status and the words that say
# what to do. (`lab` and `autograde` also run for real in the slow tests of this file.)
MISTAKES = {
    "lab": (["--version"], 0, ""),
    "test": (["tests/no_such_file.py"], 4, "no test file or folder 'tests/no_such_file.py'"),
    "build": (["--bogus"], 2, "usage"),
    "autograde": (["no_such_chapter"], 2, "Check the name"),
    "collect": (["01_tensors", "no_such_download.zip"], 2, "no_such_download.zip"),
    "roster": (["--bogus"], 2, "usage"),
    "export": (["no_such_chapter"], 2, "Grade first"),
    "hub": (["--bogus"], 2, "usage"),
    "check": (["99"], 2, "./dlbook lab"),
    "bench": (["--bogus"], 2, "usage"),
    "python": (["-c", "import sys; sys.exit(0)"], 0, ""),
    "help": ([], 0, "./dlbook lab"),
}


def test_every_command_has_a_mistake_case():
    assert sorted(MISTAKES) == sorted(_commands())


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(MISTAKES))
def test_each_command_exit_status_and_message(tmp_path, command):
    args, status, words = MISTAKES[command]
    done = _run(tmp_path, command, *args)
    output = done.stdout + done.stderr
    assert done.returncode == status, output[-2000:]
    assert words in output, output[-2000:]


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
