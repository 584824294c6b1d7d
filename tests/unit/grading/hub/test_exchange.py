"""grading.hub.exchange's copy into `inbound/`: every folder and file of a submission takes the
graders' group from inbound's setgid bit, whatever modes the student's folders had, and what
nbgrader's ignore rules leave out stays out. Submitting for real: tests/test_course_server.py."""

import os
import stat

import pytest
from nbgrader.utils import ignore_patterns

from grading.hub.exchange import _copy_into_setgid
from grading.hub.layout import gid

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="gives a folder another group")


@needs_root
def test_a_submission_s_folders_and_files_take_inbound_s_group(tmp_path):
    src = tmp_path / "student" / "01_tensors"
    (src / "data").mkdir(parents=True)
    (src / "01_tensors.ipynb").write_text("{}")
    (src / "data" / "x.csv").write_text("1\n")
    (src / "data" / "big.bin").write_bytes(b"0" * 4000)
    (src / ".ipynb_checkpoints").mkdir()
    for folder in (src, src / "data"):
        folder.chmod(0o700)  # a student's umask 077: no setgid bit to copy
    inbound = tmp_path / "inbound"
    inbound.mkdir()
    os.chown(inbound, 0, gid("users"))
    inbound.chmod(0o2773)
    dest = inbound / "ann+01_tensors+2026-12-03"
    ignore = ignore_patterns(exclude=[".ipynb_checkpoints"], include=["*"], max_file_size=1)
    _copy_into_setgid(str(src), str(dest), ignore)
    copied = sorted(str(p.relative_to(dest)) for p in dest.rglob("*"))
    assert copied == ["01_tensors.ipynb", "data", "data/x.csv"]  # no checkpoints, nothing > 1 kB
    for path in [dest, *dest.rglob("*")]:
        assert path.stat().st_gid == gid("users"), path
    for folder in (dest, dest / "data"):
        assert folder.stat().st_mode & stat.S_ISGID, f"{folder} lost the setgid bit"
