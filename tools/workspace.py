"""The student's personal working copy of the released chapters.

`./dlbook lab` opens JupyterLab on this folder, not on release/, so that rebuilding or updating
the book never touches a notebook the student has worked in. Each run copies in only what is
missing: a new chapter appears, an existing file is never overwritten.

Usage: python -m tools.workspace RELEASE_DIR WORK_DIR   (prints WORK_DIR)
"""

import shutil
import sys
from pathlib import Path


def sync_workspace(release: Path, work: Path) -> list[Path]:
    """Copy files from `release` into `work` where `work` has none yet; return what was added."""
    if not release.is_dir():
        raise FileNotFoundError(f"No released chapters at {release}: run `./dlbook build` first.")
    added = []
    for src in sorted(release.rglob("*")):
        if not src.is_file() or ".ipynb_checkpoints" in src.parts:
            continue
        dst = work / src.relative_to(release)
        if dst.exists():
            continue  # the student's copy wins, always
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
        added.append(dst)
    return added


def main(argv: list[str]) -> int:
    release, work = Path(argv[0]), Path(argv[1]).expanduser()
    try:
        added = sync_workspace(release, work)
    except (FileNotFoundError, PermissionError) as err:
        print(f"dlbook: {err}", file=sys.stderr)
        return 1
    for path in added:
        print(f"dlbook: new in your working copy: {path.relative_to(work)}", file=sys.stderr)
    print(work)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
