"""The student's personal working copy of the released chapters.

`./dlbook lab` opens JupyterLab on this folder, not on release/, so that rebuilding or updating
the book never touches a notebook the student has worked in. Each run copies in only what is
missing: a new chapter appears, an existing file is never overwritten.

A notebook is copied with its `language_info.version` set to this Python's version, as
ipykernel reports it: this script runs in the book's environment, whose Python the lab's kernel
runs, so JupyterLab finds the notebook already saying what it would write on open and does not
mark it unsaved. The built book leaves the version out (tools/build.py notebook_metadata).

Usage: python -m tools.workspace RELEASE_DIR WORK_DIR   (prints WORK_DIR)
"""

import json
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
        if dst.suffix == ".ipynb":
            stamp_python_version(dst)
        added.append(dst)
    return added


# What ipykernel puts in kernel_info's language_info (ipykernel/ipkernel.py): "3.11.9", and
# e.g. "3.13.0rc1" where sys.version_info would give 3.13.0.
KERNEL_PYTHON_VERSION = sys.version.split()[0]


def stamp_python_version(path: Path) -> None:
    """Write this Python's version into a Python notebook's language_info, as JupyterLab would.

    Formatted as nbformat writes (sorted keys, one-space indent), so only that line differs
    from the release. A file that is not a Python notebook is left as it is."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return
    info = nb.get("metadata", {}).get("language_info") if isinstance(nb, dict) else None
    if not isinstance(info, dict) or info.get("name") != "python":
        return
    if info.get("version") == KERNEL_PYTHON_VERSION:
        return
    info["version"] = KERNEL_PYTHON_VERSION
    text = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


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
