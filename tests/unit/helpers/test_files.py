"""helpers.files.atomic_write: the target holds the old bytes or the new, never a mix or none."""

import os

import pytest

from helpers.files import atomic_write, temp_path_for


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"\x00\x01bytes", b"\x00\x01bytes"),
        ("text é", "text é".encode()),  # str: UTF-8
        (lambda tmp: tmp.write_bytes(b"from a writer"), b"from a writer"),
    ],
)
def test_writes_bytes_text_or_through_a_writer(tmp_path, content, expected):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")
    assert atomic_write(path, content) == path
    assert path.read_bytes() == expected
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]  # no temporary file left


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"old")

    def half_then_interrupt(tmp):
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt  # Stop pressed mid-write

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, half_then_interrupt)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]


def test_temporary_name_is_in_the_same_folder_and_holds_the_pid(tmp_path):
    """Same folder: os.replace is atomic only within one file system; pid: two processes
    writing the same target never share a temporary file."""
    tmp = temp_path_for(tmp_path / "c.pt")
    assert tmp.parent == tmp_path and str(os.getpid()) in tmp.name and tmp.name != "c.pt"
    seen = []
    atomic_write(tmp_path / "c.pt", lambda t: seen.append(t) or t.write_bytes(b"x"), fsync=True)
    assert seen == [tmp] and (tmp_path / "c.pt").read_bytes() == b"x"


def test_fsync_flushes_the_temporary_file_before_the_rename(tmp_path, monkeypatch):
    order = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: order.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: order.append("replace") or real_replace(a, b))
    atomic_write(tmp_path / "a", b"1", fsync=True)
    atomic_write(tmp_path / "b", b"2")
    assert order == ["fsync", "replace", "replace"]


def test_other_content_says_what_is_accepted(tmp_path):
    with pytest.raises(TypeError, match="bytes, str or a function"):
        atomic_write(tmp_path / "f", 42)
    assert list(tmp_path.iterdir()) == []
