"""The kernel manager nbgrader uses while grading: it starts each kernel inside the sandbox.

Set in nbgrader_config.py (`c.Execute.kernel_manager_class`), so a plain `nbgrader autograde`
run from the course folder is sandboxed too, not only `./dlbook autograde`. Per kernel it makes
a private folder (mode 0700) in /tmp holding the connection file (bound read-only into the
sandbox), the socket folder (the kernel talks over IPC sockets there, since the sandbox has no
network, not even loopback) and the scratch copy of the submission's folder.
"""

import os
import shutil
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, default

from grading.sandbox import bubblewrap as sandbox
from grading.sandbox.limits import FIRST_UID, UID_RANGE


class SandboxedKernelManager(AsyncKernelManager):
    memory_bytes = Integer(6 * 2**30, help="Address-space limit of a grading kernel.").tag(
        config=True
    )
    file_bytes = Integer(2**30, help="Largest file a grading kernel may write.").tag(config=True)
    processes = Integer(512, help="Processes and threads of a grading kernel.").tag(config=True)
    cpu_seconds = Integer(3600, help="CPU time of a whole grading kernel.").tag(config=True)

    @default("transport")
    def _default_transport(self):
        # IPC only in the sandbox, whose sockets live in the kernel's private folder; with the
        # opt-out the kernel starts in the notebook's folder and relative IPC paths would miss.
        return "ipc" if sandbox.enabled() else "tcp"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._private = None

    def _make_private(self, cwd: str | None) -> None:
        self._private = Path(tempfile.mkdtemp(prefix="dlbook-kernel-"))
        self._uid = FIRST_UID + int.from_bytes(os.urandom(4), "big") % UID_RANGE
        sockets, work = self._private / "sockets", self._private / "work"
        sockets.mkdir()
        sandbox.scratch_copy(Path(cwd) if cwd else Path("/nonexistent"), work)
        for path in [sockets, work, *work.rglob("*")]:
            os.chown(path, self._uid, self._uid)
        self.transport = "ipc"
        self.ip = str(sockets / "kernel")  # IPC socket paths are ip-<port>
        self.connection_file = str(self._private / "connection.json")

    async def _async_pre_start_kernel(self, **kw):
        if not sandbox.enabled():
            self.log.warning(
                "!!! %s=1: grading kernels run WITHOUT a sandbox; a submission "
                "can read the solutions and change grades. Only for trusted "
                "submissions.",
                sandbox.OPT_OUT,
            )
            return await super()._async_pre_start_kernel(**kw)
        sandbox.require_bwrap()
        if self._private is None:  # a restart reuses the folder and its connection file
            self._make_private(kw.get("cwd"))
        kw["cwd"] = str(self._private)
        env = dict(kw.get("env") or os.environ)
        env.pop("JPY_PARENT_PID", None)  # its PID means nothing in the kernel's PID namespace
        kw["env"] = env
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if not sandbox.enabled():
            return cmd
        os.chmod(self.connection_file, 0o644)  # the kernel runs as its own user
        limits = {
            "memory": self.memory_bytes,
            "files": self.file_bytes,
            "processes": self.processes,
            "cpu": self.cpu_seconds,
            "uid": self._uid,
        }
        return sandbox.wrap(
            cmd,
            connection_file=self.connection_file,
            socket_dir=str(self._private / "sockets"),
            scratch=str(self._private / "work"),
            limits=limits,
        )

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart and self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None

    # AsyncKernelManager binds these names to the base class's coroutines; point them at ours.
    pre_start_kernel = _async_pre_start_kernel
    cleanup_resources = _async_cleanup_resources
