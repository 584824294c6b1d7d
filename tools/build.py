"""Build the generated notebooks from the chapter masters.

    notebooks/NN_slug.md  --jupytext-->  source/NN_slug/NN_slug.ipynb  --nbgrader-->  release/NN_slug/

Run `python -m tools.build` (or `./dlbook build`) after editing a master. The output is
deterministic: no outputs, no execution counts, stable cell ids, so `git diff` shows only what an
instructor changed, and the test suite rebuilds into a temporary folder and compares.
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jupytext
import nbformat

from helpers.nbcells import is_test_metadata

ROOT = Path(__file__).resolve().parent.parent
NBGRADER_DEFAULTS = {
    "grade": False,
    "locked": False,
    "solution": False,
    "task": False,
    "schema_version": 3,
}


# The repository the masters' setup cells name; the build puts [tool.dlbook] repository there.
MASTER_REPOSITORY = "dlbook-course/dlbook"
REPOSITORY_PATTERN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")


def book_settings(root: Path = ROOT) -> dict:
    """The `[tool.dlbook]` table of pyproject.toml: where the book is published."""
    try:
        import tomllib
    except ImportError:  # Python 3.10: tomli, which jupytext already requires there
        import tomli as tomllib
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    found = tomllib.loads(text).get("tool", {}).get("dlbook", {})
    settings = {"repository": MASTER_REPOSITORY, "branch": "main", **found}
    if not REPOSITORY_PATTERN.fullmatch(settings["repository"]):
        raise ValueError(
            f"pyproject.toml [tool.dlbook] repository = "
            f"{settings['repository']!r} is not a GitHub owner/name such as "
            f"{MASTER_REPOSITORY!r}: fix it, then run `./dlbook build`"
        )
    return settings


def colab_url(relpath: str, root: Path = ROOT) -> str:
    """The address that opens a repository file (e.g. a release notebook) in Google Colab."""
    s = book_settings(root)
    return (
        f"https://colab.research.google.com/github/{s['repository']}/blob/{s['branch']}/{relpath}"
    )


def publish_to(nb, repository: str) -> None:
    """Make the setup cell install the book's package from `repository` (owner/name)."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace(
                f"github.com/{MASTER_REPOSITORY}", f"github.com/{repository}"
            )


class MasterError(ValueError):
    """A chapter master breaks a convention; the message names the cell and the fix."""


def masters(root: Path = ROOT, only: str | None = None) -> list[Path]:
    found = sorted((root / "notebooks").glob("[0-9][0-9]_*.md"))
    if only is not None:
        found = [m for m in found if m.stem == only or m.stem.startswith(f"{only}_")]
        if not found:
            raise SystemExit(f"no chapter master matches {only!r} in notebooks/")
    return found


def expand_nbgrader(meta: dict, where: str) -> dict:
    """Fill in nbgrader's boilerplate so masters only write what matters.

    `{grade_id: x, solution: true}` is an answer cell; `{grade_id: x_test, grade: true, points: 2}`
    a test cell (locked, so nbgrader restores it from the source when grading);
    `{grade_id: x, locked: true}` a read-only cell.
    """
    if "grade_id" not in meta:
        raise MasterError(f"{where}: nbgrader metadata needs a grade_id")
    full = {**NBGRADER_DEFAULTS, **meta}
    if is_test_metadata(full):
        full["locked"] = True
    if full["grade"] and "points" not in full:
        raise MasterError(f"{where}: graded cell {meta['grade_id']!r} needs `points`")
    return dict(sorted(full.items()))


# JupyterLab's Run All (and nbclient) go on past a cell with this tag when it raises. A test
# cell fails while its exercise is unfinished; that must not stop a student reading on.
# nbgrader still records the error, so grading is unchanged.
RUN_ALL_CONTINUES = "raises-exception"


def _cell_id(cell, seen: set) -> str:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    base = grade_id or hashlib.sha1(cell.source.encode()).hexdigest()[:10]
    cell_id, n = base, 1
    while cell_id in seen:
        n += 1
        cell_id = f"{base}-{n}"
    seen.add(cell_id)
    return cell_id


# The first statement of every test cell (after its docstring): the test's own seeds, dtype and
# autograd state, the student's restored after the cell (helpers/isolation.py). Masters do not
# write it; tests/test_book_rules.py checks every built test cell has it.
ISOLATE = (
    "from helpers.checks import isolate; isolate({gid!r})  "
    "# fixed seeds and dtype for this test; yours come back after it"
)
_QUOTES = ('"' * 3, "'" * 3)


def isolated(source: str, gid: str) -> str:
    """A test cell's source with the isolate line after its one-line opening docstring."""
    line = ISOLATE.format(gid=gid)
    lines = source.split("\n")
    if line in lines:
        return source
    first = lines[0].strip()
    docstring = first[:3] in _QUOTES and len(first) > 6 and first.endswith(first[:3])
    at = 1 if docstring else 0
    return "\n".join(lines[:at] + [line] + lines[at:])


def master_to_notebook(path: Path) -> nbformat.NotebookNode:
    """Read a MyST master and return the clean instructor notebook."""
    nb = jupytext.read(path, fmt="md:myst")
    seen_ids: set = set()
    grade_ids: set = set()
    for index, cell in enumerate(nb.cells):
        where = f"{path.name} cell {index + 1}"
        keep = {}
        if "nbgrader" in cell.metadata:
            keep["nbgrader"] = expand_nbgrader(dict(cell.metadata["nbgrader"]), where)
            gid = keep["nbgrader"]["grade_id"]
            if gid in grade_ids:
                raise MasterError(f"{where}: grade_id {gid!r} is used twice")
            grade_ids.add(gid)
        tags = list(cell.metadata.get("tags", []))
        if is_test_metadata(keep.get("nbgrader", {})) and RUN_ALL_CONTINUES not in tags:
            tags.append(RUN_ALL_CONTINUES)
        if is_test_metadata(keep.get("nbgrader", {})) and cell.cell_type == "code":
            cell.source = isolated(cell.source, keep["nbgrader"]["grade_id"])
        if tags:
            keep["tags"] = tags
        cell.metadata = keep
        cell.id = _cell_id(cell, seen_ids)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata = notebook_metadata()
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def notebook_metadata() -> dict:
    """What JupyterLab itself writes once the kernel has started (ipykernel's kernelspec and
    kernel_info), less the Python version: a notebook that already says so opens unmodified, not
    marked unsaved. The version (3.11.7, 3.11.9, ...) is the student's kernel's, unknown here and
    different on every machine that builds: written into the book, it made the build differ by
    machine and every other 3.11.x mark each chapter unsaved on open. `./dlbook lab` writes the
    version into the student's copy instead, with the Python its kernel runs (tools/workspace.py)."""
    return {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {
            "codemirror_mode": {"name": "ipython", "version": 3},
            "file_extension": ".py",
            "mimetype": "text/x-python",
            "name": "python",
            "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3",
        },
    }


def write_notebook(nb, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(nb, version=4)  # sorted keys, one-space indent: stable diffs
    path.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")


def build_source(root: Path, out: Path, only: str | None = None) -> list[str]:
    slugs = []
    for master in masters(root, only):
        slug = master.stem
        target = out / "source" / slug
        if target.exists():
            shutil.rmtree(target)
        nb = master_to_notebook(master)
        publish_to(nb, book_settings(root)["repository"])
        write_notebook(nb, target / f"{slug}.ipynb")
        slugs.append(slug)
    return slugs


def tool_env() -> dict:
    """Environment for nbgrader subprocesses: it runs `alembic` by name, so this Python's
    scripts folder must be on PATH even when the virtual environment was never activated."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def build_release(root: Path, out: Path, slugs: list[str]) -> None:
    """Run real `nbgrader generate_assignment` in a scratch course, then copy its release out."""
    with tempfile.TemporaryDirectory() as scratch:
        course = Path(scratch)
        shutil.copytree(out / "source", course / "source")
        for slug in slugs:
            cmd = [
                sys.executable,
                "-m",
                "nbgrader",
                "generate_assignment",
                slug,
                "--force",
                f"--CourseDirectory.root={course}",
                "--log-level=WARN",
            ]
            done = subprocess.run(
                cmd, cwd=root, env=tool_env(), capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"nbgrader generate_assignment {slug} failed:\n{done.stderr}")
            target = out / "release" / slug
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(course / "release" / slug, target)
            for nb_path in target.glob("*.ipynb"):  # re-serialise for byte-stable output
                write_notebook(nbformat.read(nb_path, as_version=4), nb_path)


def build(root: Path = ROOT, out: Path | None = None, only: str | None = None) -> list[str]:
    """Regenerate source/ and release/ under `out` (default: the repository itself)."""
    out = out or root
    slugs = build_source(root, out, only)
    build_release(root, out, slugs)
    return slugs


def out_of_date(root: Path, fresh: Path) -> list[str]:
    """Files under source/ and release/ that differ between `root` and a fresh build, or that
    exist on one side only (e.g. a chapter whose master was deleted)."""

    def files(base: Path) -> set:
        return {
            p.relative_to(base)
            for tree in ("source", "release")
            if (base / tree).is_dir()
            for p in (base / tree).rglob("*")
            if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts
        }

    committed, built = files(root), files(fresh)
    differ = {p for p in committed & built if (root / p).read_bytes() != (fresh / p).read_bytes()}
    return sorted(str(p) for p in differ | (committed ^ built))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="build into a temporary folder and fail if the committed files differ",
    )
    parser.add_argument("--only", metavar="NN", help="build one chapter, e.g. 02 or 02_autograd")
    args = parser.parse_args(argv)
    if not args.check:
        for slug in build(only=args.only):
            print(f"built source/{slug} and release/{slug}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        build(ROOT, Path(tmp))
        stale = out_of_date(ROOT, Path(tmp))
    if stale:
        print(
            "Generated notebooks are out of date; run `./dlbook build` and commit:\n  "
            + "\n  ".join(stale)
        )
        return 1
    print("source/ and release/ are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
