"""grading.sandbox.limits on real processes: the limits it sets are the ones the kernel it
execs lives under, a file past the size limit cannot be written, memory past the limit cannot
be allocated, and (as root) the kernel runs as the unprivileged user id it was given.

Each test starts `python -m grading.sandbox.limits ... -- python -c PROBE` as the sandbox does
(no bubblewrap: the limits module is the thing tested) and reads what the probe reports.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from grading.sandbox.limits import FIRST_UID, UID_RANGE
from tools.build import ROOT

SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")
MiB = 1 << 20
LIMITS = {"memory": 1024 * MiB, "files": 1 * MiB, "processes": 64, "cpu": 30}

REPORT_LIMITS = """
import json, os, resource
names = {"memory": "RLIMIT_AS", "files": "RLIMIT_FSIZE", "processes": "RLIMIT_NPROC",
         "cpu": "RLIMIT_CPU", "core": "RLIMIT_CORE"}
print(json.dumps({"limits": {k: resource.getrlimit(getattr(resource, v)) for k, v in names.items()},
                  "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups()}))
"""


def _limited(probe: str, cwd=None, **overrides) -> subprocess.CompletedProcess:
    """Run PROBE under the limits; with a `uid`, the system's python3 runs it, since the
    book's environment (under root's home) is out of reach once root is dropped."""
    options = [f"--{name}={value}" for name, value in {**LIMITS, **overrides}.items()]
    python = SYSTEM_PYTHON if "uid" in overrides else sys.executable
    return subprocess.run(
        [sys.executable, "-m", "grading.sandbox.limits", *options, "--", python, "-c", probe],
        check=False,  # the tests read the exit status themselves
        cwd=cwd or ("/" if "uid" in overrides else ROOT),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_execd_command_lives_under_every_limit_soft_and_hard():
    done = _limited(REPORT_LIMITS)
    assert done.returncode == 0, done.stderr
    limits = json.loads(done.stdout)["limits"]
    for name, value in LIMITS.items():
        assert limits[name] == [value, value], name  # hard too: the kernel cannot raise them
    assert limits["core"] == [0, 0]  # a crashing kernel writes no core dump


def test_a_file_past_the_size_limit_cannot_be_written(tmp_path):
    # Past RLIMIT_FSIZE the kernel sends SIGXFSZ; Python ignores it, so the write fails.
    probe = (
        "import signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "f = open('big', 'wb')\n"
        "try:\n    f.write(b'x' * (2 << 20)); f.flush(); print('wrote')\n"
        "except OSError as e:\n    print('refused', e.errno)\n"
    )
    done = _limited(probe, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused"), done.stdout
    assert (tmp_path / "big").stat().st_size <= LIMITS["files"]


def test_memory_past_the_limit_cannot_be_allocated():
    probe = (
        "try:\n    block = bytearray(2 << 30); print('allocated')\n"
        "except MemoryError:\n    print('refused')\n"
        "small = bytearray(16 << 20); print('small ok')\n"  # under the limit: still works
    )
    done = _limited(probe)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["refused", "small", "ok"], done.stdout


AS_ROOT = pytest.mark.skipif(
    os.getuid() != 0 or SYSTEM_PYTHON is None,
    reason="dropping to another user id needs root (and a system python3 to run as that user)",
)


@AS_ROOT
def test_as_root_the_kernel_drops_to_its_own_user_id_with_no_groups():
    uid = FIRST_UID + 1234
    assert FIRST_UID <= uid < FIRST_UID + UID_RANGE
    done = _limited(REPORT_LIMITS, uid=uid)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["uid"], report["gid"], report["groups"]) == (uid, uid, [])


@AS_ROOT  # the process limit is per user, and root is exempt from it
def test_the_process_limit_stops_a_fork_bomb_once_root_is_dropped():
    probe = (
        "import os, time\nchildren, refused = [], False\n"
        "for _ in range(20):\n"
        "    try:\n        pid = os.fork()\n    except OSError:\n        refused = True; break\n"
        "    if pid == 0:\n        time.sleep(5); os._exit(0)\n"
        "    children.append(pid)\n"
        "for pid in children:\n    os.kill(pid, 9); os.waitpid(pid, 0)\n"
        "print('refused' if refused else 'forked', len(children))\n"
    )
    # A user id no other test uses, so no other process counts against its limit.
    done = _limited(probe, processes=4, uid=FIRST_UID + 4321)
    assert done.returncode == 0, done.stderr
    verdict, forked = done.stdout.split()
    assert verdict == "refused" and int(forked) < 4, done.stdout
