"""The course tools' entry points: `./dlbook help` lists them; `./dlbook X` and `python -m
grading X` reach the same command line (collect, roster, export, hub), each answering a bad
input with its own message. What the commands do is tested in tests/unit/grading/ and the
end-to-end tests tests/test_course_server.py, test_course_browser.py, test_course_handin.py.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import lms_downloads as dl

ROOT = dl.ROOT
SLUG = "01_tensors"


def _run(*cmd: str, cwd=ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DLBOOK_COURSE")}
    env["DLBOOK_ENV"] = sys.prefix  # ./dlbook uses the environment this test runs in
    return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=cwd, env=env)


def _both(*args: str) -> list[subprocess.CompletedProcess]:
    """The same course command through ./dlbook and through python -m grading."""
    if not (Path(sys.prefix) / ".dlbook-ready").exists():
        pytest.skip("run through ./dlbook test, so that the book's environment is the one in use")
    return [_run(str(ROOT / "dlbook"), *args), _run(sys.executable, "-m", "grading", *args)]


def test_help_lists_the_course_commands():
    done = _run(str(ROOT / "dlbook"), "help")
    assert done.returncode == 0
    for line in (
        "./dlbook collect NN_slug ZIP",
        "./dlbook export NN_slug",
        "./dlbook roster ...",
        "./dlbook hub ",
    ):
        assert line in done.stdout, done.stdout


def test_python_m_grading_names_every_command():
    done = _run(sys.executable, "-m", "grading")
    assert done.returncode == 2
    assert "{autograde,report,collect,roster,export,hub}" in done.stderr


def test_collect_reaches_hand_in(tmp_path):
    course = dl.course(tmp_path, slugs=(SLUG,))
    missing = tmp_path / "submissions.zip"
    for done in _both("collect", SLUG, str(missing), "--root", str(course)):
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip() == (
            f"dlbook collect: {missing} does not exist: give the path of the zip the LMS gave you"
        )


def test_roster_reaches_hand_in(tmp_path):
    course = dl.course(tmp_path, slugs=(SLUG,))
    for done in _both("roster", "--root", str(course), "import-canvas", str(tmp_path / "no.csv")):
        assert done.returncode == 2
        assert done.stderr.startswith("dlbook roster: ") and "no.csv" in done.stderr


def test_export_reaches_export(tmp_path):
    course = dl.course(tmp_path, slugs=(SLUG,))
    for done in _both("export", SLUG, "--root", str(course)):
        assert done.returncode == 2
        assert done.stderr.startswith(f"dlbook export: nothing to export for {SLUG}")


def test_hub_reaches_the_course_server():
    for done in _both("hub", "adduser", "Bad Name", "--student"):
        assert done.returncode == 2
        if os.geteuid() == 0:
            assert "'Bad Name' is not a usable Unix user name" in done.stderr
        else:
            assert "adding a user needs root" in done.stderr
