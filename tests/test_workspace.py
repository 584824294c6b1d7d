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
