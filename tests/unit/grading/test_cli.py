"""grading.cli without nbgrader: real argument parsing, the dispatch to each command, and the
exit statuses the module docstring promises (2 bad usage or cannot start, 1 a named student
without a submission, 0 nothing left to grade). Grading for real: tests/test_dlbook_cli.py."""

import json
import runpy
import sys

import pytest

from grading import batch, cli
from grading.paths import graded_marker
from grading.sandbox import bubblewrap as sandbox


def course(root, slug="01_tensors", students=()):
    """A course folder with the instructor's notebook and each student's submission."""
    (root / "source" / slug).mkdir(parents=True)
    (root / "source" / slug / f"{slug}.ipynb").write_text("{}")
    for student in students:
        folder = root / "submitted" / student / slug
        folder.mkdir(parents=True)
        (folder / f"{slug}.ipynb").write_text('{"cells": []}')
    return root


def mark_graded(root, slug, student):
    """What batch.py leaves after grading a student: the marker of what the grade is from."""
    marker = graded_marker(root, slug, student)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(batch.grading_key(root, slug, student)))


@pytest.mark.parametrize("argv", [[], ["nonsense"], ["--help"]])
def test_no_or_an_unknown_command_prints_the_usage_and_exits_2(argv, capsys):
    assert cli.main(argv) == 2
    assert capsys.readouterr().err.strip() == cli.USAGE


def test_python_m_grading_passes_the_exit_status_on(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["python -m grading", "nonsense"])
    with pytest.raises(SystemExit) as stopped:
        runpy.run_module("grading", run_name="__main__")
    assert stopped.value.code == 2
    assert cli.USAGE in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "prog"),
    [
        ("autograde", "python -m grading autograde"),
        ("report", "python -m grading report"),
        ("collect", "python -m grading collect"),
        ("roster", "python -m grading roster"),
        ("export", "python -m grading export"),
        ("hub", "./dlbook hub"),
    ],
)
def test_each_command_reaches_its_own_parser(command, prog, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main([command, "--help"])
    assert stopped.value.code == 0
    assert f"usage: {prog}" in capsys.readouterr().out


def test_the_usage_names_every_command():
    assert cli.USAGE.split("{")[1].split("}")[0].split(",") == list(cli.COMMANDS)


def test_a_mistyped_assignment_names_the_course_s_assignments(tmp_path, capsys):
    course(tmp_path / "c", "01_tensors")
    (tmp_path / "c" / "source" / "02_autograd").mkdir()
    assert cli.main(["autograde", "01_tensor", "--root", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "no assignment '01_tensor'" in err
    assert "(the course's assignments: 01_tensors, 02_autograd)" in err


def test_without_a_source_folder_the_message_says_so(tmp_path):
    assert "the course has no source/ folder here" in cli.unknown_assignment(tmp_path, "01_x")
    assert cli.unknown_assignment(course(tmp_path / "c"), "01_tensors") == ""


def test_nbgrader_s_spelling_of_the_root_is_the_course_folder(tmp_path, monkeypatch, capsys):
    course(tmp_path / "elsewhere", "03_mlp")
    monkeypatch.chdir(tmp_path)  # --root's default: a folder with no course in it
    argv = ["autograde", "01_tensors", f"--CourseDirectory.root={tmp_path / 'elsewhere'}"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert f"in {tmp_path / 'elsewhere' / 'source'}" in err and "03_mlp" in err


def test_workers_below_one_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["autograde", "01_tensors", "--root", str(course(tmp_path)), "--workers", "0"])
    assert stopped.value.code == 2
    assert "--workers must be at least 1" in capsys.readouterr().err


def test_without_bwrap_grading_does_not_start(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(sandbox.OPT_OUT, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no bwrap on it
    root = course(tmp_path / "c", students=["ann"])
    assert cli.main(["autograde", "01_tensors", "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dlbook autograde: Grading needs bubblewrap")
    assert sandbox.INSTALL_HINT in err
    assert not (root / "gradebook.db").exists(), "nothing may be recorded before the sandbox"


def test_the_opt_out_is_loud_and_lets_grading_start(monkeypatch, capsys):
    monkeypatch.setenv(sandbox.OPT_OUT, "1")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert cli.sandbox_ready()
    assert "grading WITHOUT a sandbox" in capsys.readouterr().err


def test_a_named_student_without_a_submission_exits_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(sandbox.OPT_OUT, "1")  # this machine's bwrap is not what is tested here
    root = course(tmp_path, students=["ann"])
    assert cli.main(["autograde", "01_tensors", "--root", str(root), "--student", "zed"]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "dlbook: no submission of 01_tensors for zed "
        "(expected submitted/<student>/01_tensors/01_tensors.ipynb)"
    )


def test_nothing_to_grade_exits_0_and_says_what_was_skipped(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(sandbox.OPT_OUT, "1")
    root = course(tmp_path, students=["ann", "bo"])
    for student in ("ann", "bo"):
        mark_graded(root, "01_tensors", student)
    (root / "submitted" / "cy" / "01_tensors").mkdir(parents=True)  # a folder, no notebook
    assert cli.main(["autograde", "01_tensors", "--root", str(root), "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "2 submission(s) already graded and unchanged: skipped" in out
    assert "01_tensors: 0 graded, 0 failed, 2 already up to date, 1 not gradable." in out
    assert "  cy: not graded," in out
    assert "TA report" not in out
