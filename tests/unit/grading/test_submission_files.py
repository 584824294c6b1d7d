"""grading.submission_files on real files of each kind: only plain files enter grading."""

import os
import stat

import pytest

from grading.paths import why_not_gradable
from grading.sandbox.bubblewrap import scratch_copy
from grading.submission_files import refused, why_refused


@pytest.fixture
def course(tmp_path):
    """A course with a solution, a gradebook and one clean submission of `x`."""
    (tmp_path / "source/x").mkdir(parents=True)
    (tmp_path / "source/x/x.ipynb").write_text('{"the": "solution"}')
    (tmp_path / "gradebook.db").write_bytes(b"SQLite format 3\0")
    folder = tmp_path / "submitted/ann/x"
    folder.mkdir(parents=True)
    (folder / "x.ipynb").write_text("{}")
    (folder / "data").mkdir()
    (folder / "data/points.csv").write_text("1,2\n")
    return tmp_path


def test_a_submission_of_plain_files_is_accepted(course):
    assert refused(course / "submitted/ann/x") == []
    assert why_not_gradable(course, "x", "ann") == ""


def _make(kind, folder, course):
    if kind == "symlink to the solution":
        (folder / "x.ipynb").unlink()
        (folder / "x.ipynb").symlink_to(course / "source/x/x.ipynb")
        return "x.ipynb", "symbolic link"
    if kind == "symlink to the gradebook":
        (folder / "data/gradebook.db").symlink_to(course / "gradebook.db")
        return "data/gradebook.db", "symbolic link"
    if kind == "symlinked folder":
        (folder / "solutions").symlink_to(course / "source/x", target_is_directory=True)
        return "solutions", "symbolic link"
    if kind == "hard link":
        os.link(course / "gradebook.db", folder / "notes.db")
        return "notes.db", "hard link"
    if kind == "fifo":
        os.mkfifo(folder / "data/pipe.csv")
        return "data/pipe.csv", "FIFO"
    if kind == "device":
        try:
            os.mknod(folder / "zero", stat.S_IFCHR | 0o600, os.makedev(1, 5))
        except PermissionError:
            pytest.skip("creating a device file needs CAP_MKNOD")
        return "zero", "device"
    raise AssertionError(kind)


KINDS = [
    "symlink to the solution",
    "symlink to the gradebook",
    "symlinked folder",
    "hard link",
    "fifo",
    "device",
]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_non_plain_file_is_refused_with_its_name(course, kind):
    folder = course / "submitted/ann/x"
    rel, word = _make(kind, folder, course)
    found = dict(refused(folder))
    assert word in found.get(rel, ""), found
    message = why_not_gradable(course, "x", "ann")  # what the batch and the report say
    assert message.startswith("refused, not graded") and rel in message
    assert "--student ann" in message  # what to do next


@pytest.mark.parametrize("kind", KINDS)
def test_the_kernels_scratch_folder_gets_none_of_them(course, kind, tmp_path_factory):
    folder = course / "submitted/ann/x"
    _make(kind, folder, course)
    dest = tmp_path_factory.mktemp("scratch")
    scratch_copy(folder, dest)  # must not block on the FIFO nor read the device
    copied = sorted(str(p.relative_to(dest)) for p in dest.rglob("*"))
    assert copied == ["data", "data/points.csv"], copied
    assert not any(p.is_symlink() for p in dest.rglob("*"))


def test_a_student_folder_that_is_a_link_to_another_student_is_refused(course):
    (course / "submitted/mallory").symlink_to(course / "submitted/ann")
    assert "symbolic link" in why_refused(course / "submitted/mallory/x", "x", "mallory")
    assert why_not_gradable(course, "x", "ann") == ""  # ann's own folder is still fine
