"""`./dlbook hub grade`: what it refuses before grading anything (it runs as root, so it takes
a chapter and student names only). Grading itself on the course server:
tests/test_course_browser.py."""

import os

import pytest

from grading.hub import command

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="hub grade checks its input as root")


def test_grade_needs_root(capsys):
    if os.geteuid() == 0:
        pytest.skip("runs as root here")
    assert command.main(["grade", "01_tensors"]) == 2
    assert "grading on the course server needs root" in capsys.readouterr().err


@needs_root
@pytest.mark.parametrize("slug", ["99_nothing", "../01_tensors", "01_tensors --force"])
def test_grade_refuses_what_is_not_a_chapter_of_the_course(tmp_path, capsys, slug):
    (tmp_path / "source" / "01_tensors").mkdir(parents=True)
    assert command.main(["grade", slug, f"--course={tmp_path}"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"dlbook hub: no chapter {slug!r} in {tmp_path}/source (there: 01_tensors)"
    )


@needs_root
def test_grade_refuses_what_is_not_a_student_name(tmp_path, capsys):
    (tmp_path / "source" / "01_tensors").mkdir(parents=True)
    argv = ["grade", "01_tensors", f"--course={tmp_path}", "--student=--CourseDirectory.root=/"]
    assert command.main(argv) == 2
    assert "not a student name: --CourseDirectory.root=/" in capsys.readouterr().err
