"""The sandbox every grading kernel runs in (Linux, bubblewrap), each limit with its reason.

`wrap(kernel_cmd, ...)` turns the kernel's command line into one that starts it inside
bubblewrap: no network, a minimal read-only filesystem, a private /tmp, a fresh PID namespace
that dies with the grader, a scrubbed environment and resource limits (limits.py, applied
inside). What the kernel can see:
  read-only: /usr (and the /bin, /lib links), a few files of /etc, the Python environment,
             the book's `helpers` and `grading` packages (at /opt/dlbook);
  writable:  a scratch copy of the submission's own folder (notebooks left out: the graded
             notebook holds the hidden tests), its own socket folder, a private /tmp.
Not visible: the course root, source/, gradebook.db, other submissions, the rest of the book.
"""

import os
import shutil
import stat
import sys
from pathlib import Path

from grading.paths import BOOK, KERNEL_PACKAGES

BWRAP = "bwrap"
LIMITS_MODULE = "grading.sandbox.limits"  # run inside the sandbox, just before the kernel
OPT_OUT = "DLBOOK_UNSAFE_NO_SANDBOX"
INSTALL_HINT = "sudo apt-get install bubblewrap  (Fedora: sudo dnf install bubblewrap)"
BOOK_IN_SANDBOX = "/opt/dlbook"
WORK_IN_SANDBOX = "/home/student"
# /etc files Python, NumPy, matplotlib and IPython read; /etc as a whole holds secrets (shadow).
ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "fonts",
    "nsswitch.conf",
    "mime.types",
    "alternatives",
    "os-release",
    "hosts",
)
# Variables kept from the grader's environment (all others are dropped).
KEEP_ENV = (
    "NBGRADER_EXECUTION",
    "LANG",
    "LC_ALL",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "DLBOOK_TEST_FAST",
)


class SandboxUnavailable(RuntimeError):
    pass


def enabled() -> bool:
    """False only when the TA explicitly opted out (loudly logged by the kernel manager)."""
    return os.environ.get(OPT_OUT, "") != "1"


def require_bwrap() -> str:
    found = shutil.which(BWRAP)
    if found is None:
        raise SandboxUnavailable(
            "Grading needs bubblewrap to run each submission in a sandbox, and `bwrap` is not "
            f"installed. Install it with:\n    {INSTALL_HINT}\nOnly to grade submissions you "
            f"trust, set {OPT_OUT}=1 to grade without a sandbox (it is logged on every kernel)."
        )
    return found


def python_roots() -> list[str]:
    """The Python environment: the virtual environment and the interpreter it was made from."""
    roots = {os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix)}
    exe = os.path.realpath(sys.executable)
    roots.add(os.path.dirname(os.path.dirname(exe)))
    return sorted(r for r in roots if not r.startswith("/usr"))


def scratch_copy(src: Path, dest: Path, max_bytes: int = 200_000_000) -> None:
    """The submission's folder without notebooks, as the kernel's writable working folder."""
    dest.mkdir(parents=True, exist_ok=True)
    total = 0
    for path in sorted(src.rglob("*")) if src.is_dir() else []:
        rel = path.relative_to(src)
        if path.suffix == ".ipynb" or ".ipynb_checkpoints" in rel.parts:
            continue
        info = path.lstat()  # the entry itself: a link is never followed
        if stat.S_ISDIR(info.st_mode):
            (dest / rel).mkdir(parents=True, exist_ok=True)
        # Plain files with one name only: a symlink, a hard link to a course file, a FIFO or
        # a device never reaches the kernel (grading refuses such submissions before this;
        # this holds also for a TA's plain `nbgrader autograde`).
        elif stat.S_ISREG(info.st_mode) and info.st_nlink == 1:
            total += info.st_size
            if total > max_bytes:
                break
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest / rel)


def _open_parents(path: str) -> list[str]:
    # bubblewrap gives the folders it creates above a bound path their host mode; /root or
    # a private /tmp folder (0700) would keep the kernel's unprivileged user out.
    args = []
    for parent in reversed(Path(path).parents[:-1]):
        if str(parent) not in ("/", "/tmp"):
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def wrap(
    kernel_cmd: list[str], *, connection_file: str, socket_dir: str, scratch: str, limits: dict
) -> list[str]:
    """The bubblewrap command line that runs `kernel_cmd` sandboxed."""
    args = [
        require_bwrap(),
        # No network, own PID/IPC/UTS namespaces. Not a user namespace: the kernel drops
        # to its own unprivileged user id instead (limits.py), which the process limit needs.
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--cap-add",
        "CAP_SETUID",
        "--cap-add",
        "CAP_SETGID",  # only to drop root, then gone
        "--die-with-parent",  # nothing outlives the grader's kernel manager
        "--new-session",  # no access to the grader's terminal
        "--ro-bind",
        "/usr",
        "/usr",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--tmpfs",
        "/tmp",
    ]
    for link in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / link
        if target.is_symlink():
            args += ["--symlink", os.readlink(target), f"/{link}"]
        elif target.is_dir():
            args += ["--ro-bind", str(target), str(target)]
    for name in ETC_FILES:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for root in python_roots():
        args += _open_parents(root) + ["--ro-bind", root, root]
    args += _open_parents(f"{BOOK_IN_SANDBOX}/x") + _open_parents(f"{WORK_IN_SANDBOX}/x")
    for package in KERNEL_PACKAGES:
        args += ["--ro-bind", str(BOOK / package), f"{BOOK_IN_SANDBOX}/{package}"]
    args += _open_parents(socket_dir) + [
        "--bind",
        socket_dir,
        socket_dir,
        "--ro-bind",
        connection_file,
        connection_file,
        "--bind",
        scratch,
        WORK_IN_SANDBOX,
        "--chdir",
        WORK_IN_SANDBOX,
        "--clearenv",
    ]
    env = {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/bin:/bin",
        "HOME": WORK_IN_SANDBOX,
        "USER": "student",
        "LOGNAME": "student",
        "PYTHONPATH": BOOK_IN_SANDBOX,
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update({k: os.environ[k] for k in KEEP_ENV if k in os.environ})
    for key, value in env.items():
        args += ["--setenv", key, value]
    limit_args = [f"--{name}={value}" for name, value in limits.items()]
    return args + ["--", sys.executable, "-m", LIMITS_MODULE, *limit_args, "--", *kernel_cmd]
