"""grading.nbgrader_process: an nbgrader command forked from a warm forkserver behaves as the
command line does: the same exit status and output, the environment as it is at the call."""

import pytest

from grading import nbgrader_process
from tools.build import ROOT

pytestmark = pytest.mark.slow  # starts the forkserver (imports nbgrader: a few seconds)


def _both(monkeypatch, args):
    forked = nbgrader_process.run(args, cwd=str(ROOT))
    monkeypatch.setenv(nbgrader_process.SUBPROCESS_SWITCH, "1")
    plain = nbgrader_process.run(args, cwd=str(ROOT))
    monkeypatch.delenv(nbgrader_process.SUBPROCESS_SWITCH)
    return forked, plain


def test_a_command_that_works_exits_0_with_its_output(monkeypatch):
    forked, plain = _both(monkeypatch, ["--version"])
    assert forked.returncode == plain.returncode == 0
    assert forked.stdout.strip() == plain.stdout.strip() != ""


def test_a_failing_command_fails_with_its_message(monkeypatch, tmp_path):
    args = ["autograde", "no_such_assignment", f"--CourseDirectory.root={tmp_path}"]
    forked, plain = _both(monkeypatch, args)
    assert forked.returncode == plain.returncode != 0
    assert "no_such_assignment" in forked.stdout


def test_the_child_sees_the_environment_of_the_call(monkeypatch, tmp_path):
    nbgrader_process.run(["--version"], cwd=str(ROOT))  # the forkserver is running now
    # nbgrader looks for its config in $JUPYTER_CONFIG_DIR too: it must see the value set now.
    config, course = tmp_path / "config", tmp_path / "course"
    config.mkdir()
    course.mkdir()
    (config / "nbgrader_config.py").write_text("c.CourseDirectory.course_id = 'seen'\n")
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config))
    done = nbgrader_process.run(["list", "--log-level=DEBUG"], cwd=str(course))
    assert f"Loaded config file: {config / 'nbgrader_config.py'}" in done.stdout, done.stdout[
        -2000:
    ]


@pytest.mark.parametrize("subprocess_path", ["0", "1"], ids=["forked", "subprocess"])
def test_a_gradebook_that_cannot_be_written_says_why(monkeypatch, tmp_path, subprocess_path):
    # Issue 22: on the forked path the TA read "could not record ... in the gradebook:" and then
    # nothing, because the message went to the stream the caller did not read.
    from grading import student

    monkeypatch.setenv(nbgrader_process.SUBPROCESS_SWITCH, subprocess_path)
    with pytest.raises(student.AssignmentNotRecorded) as raised:
        student.record_assignment(tmp_path, "no_such_assignment", [])
    why = str(raised.value).split("in the gradebook:", 1)[1]
    assert "no_such_assignment" in why, str(raised.value)
