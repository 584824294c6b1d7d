"""Resource limits for a grading kernel, set inside the sandbox just before the kernel starts.

    python -m grading.sandbox.limits --memory=BYTES --files=BYTES --processes=N --cpu=SECONDS -- cmd...

Each limit and its reason:
- memory (address space): one submission holding 19 GiB starves every other kernel;
- file size: a kernel writing an endless file fills the scratch disk;
- processes: a fork bomb; counted per user, so the kernel also drops to an unprivileged
  user id of its own (root is exempt from the process limit);
- CPU seconds: a backstop behind the per-cell timeout, for a kernel that outlives its cell;
- core dumps off: a crashing kernel should not write gigabytes.
"""

import os
import resource
import sys

# Unprivileged user ids for kernels, one per kernel process so process limits are per kernel.
FIRST_UID, UID_RANGE = 200_000, 100_000


def apply(memory: int, files: int, processes: int, cpu: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (files, files))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def main(argv: list[str]) -> None:
    split = argv.index("--")
    options = dict(a.lstrip("-").split("=", 1) for a in argv[:split])
    apply(
        int(options["memory"]),
        int(options["files"]),
        int(options["processes"]),
        int(options["cpu"]),
    )
    uid = int(options.get("uid", 0))
    if uid and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)  # drops root: from here the process limit applies
    cmd = argv[split + 1 :]
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
