"""The bubblewrap command line, read as text: the course hidden, no network, the book read-only;
and the message when bubblewrap is missing."""

import shutil

import pytest

from grading.sandbox import bubblewrap as sandbox
from tools.build import ROOT


def test_the_sandbox_command_hides_the_course_and_has_no_network(tmp_path, monkeypatch):
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap not installed")
    (tmp_path / "c.json").write_text("{}")
    cmd = sandbox.wrap(
        ["python", "-m", "ipykernel"],
        connection_file=str(tmp_path / "c.json"),
        socket_dir=str(tmp_path),
        scratch=str(tmp_path),
        limits={"memory": 1},
    )
    text = " ".join(cmd)
    assert "--unshare-net" in cmd and "--die-with-parent" in cmd and "--clearenv" in cmd
    assert str(ROOT / "source") not in text and "gradebook.db" not in text
    assert f"{ROOT / 'helpers'} /opt/dlbook/helpers" in text
    assert "/etc/shadow" not in text and "--ro-bind /etc /etc" not in text


def test_without_bwrap_the_message_says_how_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        sandbox.require_bwrap()
    monkeypatch.setenv(sandbox.OPT_OUT, "1")
    assert not sandbox.enabled()
