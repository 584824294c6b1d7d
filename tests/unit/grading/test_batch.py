"""grading.batch without nbgrader: what needs grading (resumable), unknown students, progress."""

import json

import pytest

from grading import batch
from grading.paths import graded_marker
from grading.student import Outcome


def test_grading_key_changes_with_the_submission_and_the_source(tmp_path):
    for folder in ("submitted/ann/x", "source/x"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "x.ipynb").write_text("{}")
    key = batch.grading_key(tmp_path, "x", "ann")
    marker = graded_marker(tmp_path, "x", "ann")
    marker.parent.mkdir(parents=True)
    marker.write_text(json.dumps(key))
    assert batch.is_up_to_date(tmp_path, "x", "ann")
    (tmp_path / "submitted/ann/x/x.ipynb").write_text('{"resubmitted": 1}')
    assert not batch.is_up_to_date(tmp_path, "x", "ann")
    marker.write_text(json.dumps(batch.grading_key(tmp_path, "x", "ann")))
    (tmp_path / "source/x/x.ipynb").write_text('{"test fixed": 1}')
    assert not batch.is_up_to_date(tmp_path, "x", "ann")


def test_unknown_student_is_a_clear_error(tmp_path):
    (tmp_path / "submitted" / "ann" / "x").mkdir(parents=True)
    with pytest.raises(batch.UnknownStudents, match="no submission of x for zed"):
        batch.grade_batch(tmp_path, "x", students=["zed"])


def test_progress_line_says_done_failed_and_eta(capsys):
    progress = batch.Progress(total=4, workers=2)
    progress.update(Outcome("ann", True, 1.0))
    progress.update(Outcome("bo", False, 1.0, "boom"))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("[1/4] ann: ok") and "0 failed" in lines[0]
    assert lines[1].startswith("[2/4] bo: FAILED") and "1 failed" in lines[1]
    assert "ETA" in lines[1]
