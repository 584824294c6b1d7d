"""Writing files so that a reader never sees half of one: `atomic_write`.

Checkpoints, synthetic datasets, their manifests and the decoded-data cache are all written the
same way: to a temporary name in the same folder, then renamed over the target with
`os.replace`, which is atomic on POSIX and Windows. An interrupt (a student pressing Stop, a
killed grader) leaves the previous file intact, never a truncated one under the final name.
"""

import os
from collections.abc import Callable
from pathlib import Path


def temp_path_for(path: Path) -> Path:
    """The temporary name `atomic_write` uses for `path`: same folder, hidden, with the pid.

    Same folder: `os.replace` is atomic only within one file system. The process id: two
    processes writing the same file at once (two kernels, parallel test workers) must not
    write into, or rename, each other's half-written temporary file.
    """
    return path.with_name(f".{path.name}.tmp{os.getpid()}")


def atomic_write(
    path, content: bytes | str | Callable[[Path], None], *, fsync: bool = False
) -> Path:
    """Write `content` to `path` atomically; return `path` (a Path).

    content: bytes, str (written as UTF-8), or a function that writes the file at the path it
        is given (e.g. `lambda tmp: torch.save(state, tmp)`).
    fsync: flush the data to the disk before the rename, so that a power cut right after
        cannot leave an empty file under the new name (slower; for checkpoints).
    The parent folder must exist. On any error the temporary file is removed and the error
    propagates; the target is then unchanged.
    """
    path = Path(path)
    tmp = temp_path_for(path)
    try:
        if isinstance(content, str):
            tmp.write_bytes(content.encode("utf-8"))
        elif isinstance(content, (bytes, bytearray, memoryview)):
            tmp.write_bytes(content)
        elif callable(content):
            content(tmp)
        else:
            raise TypeError(
                "content must be bytes, str or a function of the temporary path, "
                f"got a {type(content).__name__}."
            )
        if fsync:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:  # KeyboardInterrupt included: never leave the temporary file behind
        tmp.unlink(missing_ok=True)
        raise
    return path
