"""grading.sandbox.kernel_manager up to the moment a kernel would start: jupyter_client's own
pre-start (its provisioner writes the connection file and builds the command) on a real
submission folder, no kernel launched. What each part of the command does inside bubblewrap:
test_bubblewrap.py and test_limits.py; a kernel really started: tests/test_grading_pipeline.py."""

import asyncio
import logging
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from grading.sandbox import bubblewrap as sandbox
from grading.sandbox.kernel_manager import SandboxedKernelManager
from grading.sandbox.limits import FIRST_UID, UID_RANGE

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="gives the kernel's files its user id")


@pytest.fixture
def submission(tmp_path):
    folder = tmp_path / "submitted" / "ann" / "01_tensors"
    (folder / "data").mkdir(parents=True)
    (folder / "01_tensors.ipynb").write_text("{}")  # holds the hidden tests once graded
    (folder / "data" / "x.csv").write_text("1,2\n")
    return folder


@pytest.fixture
def manager(monkeypatch):
    """A manager whose private folder is removed whatever the test does."""
    monkeypatch.delenv(sandbox.OPT_OUT, raising=False)
    made = []

    def make(**traits):
        km = SandboxedKernelManager(kernel_name="python3", **traits)
        made.append(km)
        return km

    yield make
    for km in made:
        if km._private is not None:
            shutil.rmtree(km._private, ignore_errors=True)


def pre_start(km, cwd, **env):
    env = {"PATH": os.environ["PATH"], **env}
    return asyncio.run(km._async_pre_start_kernel(cwd=str(cwd), env=env))


def after(cmd: list[str], flag: str) -> str:
    return cmd[cmd.index(flag) + 1]


@needs_bwrap
@needs_root
def test_the_kernel_starts_in_bubblewrap_in_a_private_folder(manager, submission):
    km = manager()
    assert km.transport == "ipc"  # the sandbox has no network, not even loopback
    cmd, kw = pre_start(km, submission, JPY_PARENT_PID="4242")
    private = Path(kw["cwd"])
    assert private.name.startswith("dlbook-kernel-") and private != submission
    # Owner only (jupyter_client adds the sticky bit to a connection file's folder).
    assert private.stat().st_mode & 0o777 == 0o700
    assert "JPY_PARENT_PID" not in kw["env"]
    assert cmd[0] == shutil.which("bwrap")
    tail = cmd[cmd.index("--") :]
    assert tail[1:4] == [sys.executable, "-m", sandbox.LIMITS_MODULE]
    kernel = tail[tail.index("--", 1) + 1 :]
    assert "ipykernel_launcher" in " ".join(kernel) and km.connection_file in kernel
    assert after(cmd, "--bind") == str(private / "sockets")
    assert km.ip == str(private / "sockets" / "kernel")


@needs_bwrap
@needs_root
def test_the_scratch_copy_has_the_data_not_the_notebook_and_the_kernel_s_user(manager, submission):
    km = manager()
    cmd, kw = pre_start(km, submission)
    work = Path(kw["cwd"]) / "work"
    assert sorted(str(p.relative_to(work)) for p in work.rglob("*")) == ["data", "data/x.csv"]
    uid = int(next(a for a in cmd if a.startswith("--uid=")).split("=")[1])
    assert FIRST_UID <= uid < FIRST_UID + UID_RANGE
    assert {p.stat().st_uid for p in [work, *work.rglob("*")]} == {uid}
    assert cmd[cmd.index(str(work)) + 1] == sandbox.WORK_IN_SANDBOX  # --bind work /home/student
    assert stat.S_IMODE(Path(km.connection_file).stat().st_mode) == 0o644  # readable as uid


@needs_bwrap
@needs_root
def test_the_configured_limits_reach_the_limits_command(manager, submission):
    km = manager(memory_bytes=2**30, file_bytes=1000, processes=7, cpu_seconds=60)
    cmd, _ = pre_start(km, submission)
    for flag in ("--memory=1073741824", "--files=1000", "--processes=7", "--cpu=60"):
        assert flag in cmd


@needs_bwrap
@needs_root
def test_a_restart_keeps_the_folder_and_shutting_down_removes_it(manager, submission):
    km = manager()
    _, kw = pre_start(km, submission)
    private = Path(kw["cwd"])
    asyncio.run(km._async_cleanup_resources(restart=True))
    _, again = pre_start(km, submission)
    assert again["cwd"] == str(private) and private.is_dir()
    asyncio.run(km._async_cleanup_resources())
    assert not private.exists() and km._private is None


def test_the_opt_out_starts_a_plain_kernel_where_the_notebook_is_and_says_so(
    manager, submission, monkeypatch, caplog
):
    monkeypatch.setenv(sandbox.OPT_OUT, "1")
    km = manager()
    km.log = logging.getLogger("test-kernel-manager")
    assert km.transport == "tcp"  # no private folder for IPC sockets without the sandbox
    with caplog.at_level(logging.WARNING, logger="test-kernel-manager"):
        cmd, kw = pre_start(km, submission)
    try:
        assert kw["cwd"] == str(submission)
        assert "bwrap" not in cmd[0] and sandbox.LIMITS_MODULE not in cmd
        assert km._private is None
        assert "grading kernels run WITHOUT a sandbox" in caplog.text
    finally:
        asyncio.run(km._async_cleanup_resources())
