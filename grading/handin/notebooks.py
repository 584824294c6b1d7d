"""What an uploaded file is: a notebook, and of which chapter.

The chapter is read from the notebook's graded cells first (their nbgrader grade_ids are the
chapter's own), its file name second: a `01_tensors.ipynb` that holds chapter 02's cells is
chapter 02's notebook uploaded to the wrong assignment, and `Copy of 01_tensors (1).ipynb` or
`Untitled.ipynb` holding chapter 01's cells is chapter 01's. File names are compared after
undoing what browsers, Colab, Jupyter and the OS do to them (`Copy of `, ` (1)`, `-Copy1`,
` copy`, `-checkpoint`).
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat

NOT_NOTEBOOK_HINTS = {
    ".py": "a Python script (Colab's File > Download > .py), not the notebook",
    ".pdf": "a printout of the notebook, not the notebook",
    ".html": "a web page (a printout of the notebook, or the LMS's text entry), not the notebook",
    ".txt": "a text file, not the notebook",
    ".docx": "a Word document, not the notebook",
}
RENAMES = [  # (pattern, replacement) undone in this order, on the lower-cased stem
    (re.compile(r"^copy of "), ""),  # Colab: File > Save a copy
    (re.compile(r"\s*\(\d+\)$"), ""),  # browsers: the second download of a name
    (re.compile(r"-copy\d*$"), ""),  # Jupyter: Duplicate
    (re.compile(r"[ _-]copy( \d+)?$"), ""),  # macOS Finder, Windows Explorer
    (re.compile(r"-checkpoint$"), ""),  # Jupyter's autosave copy
]


@dataclass
class Content:
    """What one uploaded file holds."""

    notebook: object | None  # the nbformat notebook, or None
    chapter: str | None  # the chapter its graded cells belong to (None: none of the book's)
    named: str | None  # the chapter its file name names (None: none)
    problem: str = ""  # why it is not a usable notebook ("" if it is)
    note: str = ""  # something the TA may want to know (saved under another extension, ...)


def chapter_grade_ids(root: Path) -> dict[str, set[str]]:
    """{slug: the grade_ids of its graded and answer cells} for the chapters in source/ (the
    instructor's) or, without it, release/."""
    found: dict[str, set[str]] = {}
    for folder in ("source", "release"):
        for path in sorted(Path(root, folder).glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb")):
            slug = path.parent.name
            if slug in found or path.stem != slug:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nb = nbformat.read(path, as_version=4)
            found[slug] = set(_grade_ids(nb))
    return found


def _grade_ids(nb) -> list[str]:
    ids = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") and (meta.get("grade") or meta.get("solution")):
            ids.append(meta["grade_id"])
    return ids


def plain_stem(filename: str) -> str:
    """The file name's stem with what copies and downloads add to it undone, lower case."""
    stem = Path(filename).name
    for ext in (".ipynb", ".json", ".txt"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
    stem = stem.strip().lower()
    changed = True
    while changed:
        changed = False
        for pattern, repl in RENAMES:
            new = pattern.sub(repl, stem).strip()
            if new != stem:
                stem, changed = new, True
    return re.sub(r"[\s-]+", "_", stem)


def chapter_from_name(filename: str, slugs) -> str | None:
    """The chapter a file name names: its slug, its number (`01`, `ch01`, `chapter 1`) or its
    topic word (`tensors`); None if it names none or several."""
    stem = plain_stem(filename)
    slugs = sorted(slugs)
    if stem in slugs:
        return stem
    numbers = {int(n) for n in re.findall(r"(?<!\d)(\d{1,2})(?!\d)", stem)}
    by_number = [s for s in slugs if int(s[:2]) in numbers]
    if len(by_number) == 1:
        return by_number[0]
    words = set(re.split(r"[^a-z]+", stem))
    by_word = [s for s in slugs if set(s[3:].split("_")) & words]
    return by_word[0] if len(by_word) == 1 else None


def chapter_from_cells(nb, chapters: dict[str, set[str]]) -> str | None:
    """The chapter whose graded cells the notebook holds most of (None: none of them)."""
    ids = set(_grade_ids(nb))
    best, shared = None, 0
    for slug, theirs in sorted(chapters.items()):
        n = len(ids & theirs)
        if n > shared:
            best, shared = slug, n
    return best


def _json_problem(data: bytes, error: json.JSONDecodeError) -> str:
    start = data[:200].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return "a web page saved under a notebook's name, not a notebook"
    if not data.strip():
        return "an empty file"
    return f"not a valid notebook: its JSON breaks at line {error.lineno}, column {error.colno}"


def read(data: bytes, filename: str, chapters: dict[str, set[str]]) -> Content:
    """Read one uploaded file: is it a notebook, which chapter do its cells and its name say."""
    named = chapter_from_name(filename, chapters)
    suffix = Path(filename).suffix.lower()
    looks_like_json = data[:1000].lstrip().startswith(b"{")
    if suffix != ".ipynb" and not looks_like_json:
        hint = NOT_NOTEBOOK_HINTS.get(
            suffix, f"not a notebook (a {suffix or 'extension-less'} file)"
        )
        return Content(None, None, named, problem=hint)
    try:
        text = data.decode("utf-8-sig")
        raw = json.loads(text)
    except UnicodeDecodeError:
        return Content(None, None, named, problem="not a notebook: not text (binary data)")
    except json.JSONDecodeError as error:
        if suffix != ".ipynb":
            hint = NOT_NOTEBOOK_HINTS.get(suffix, f"not a notebook (a {suffix} file)")
            return Content(None, None, named, problem=hint)
        return Content(None, None, named, problem=_json_problem(data, error))
    if not isinstance(raw, dict) or "cells" not in raw or "nbformat" not in raw:
        return Content(None, None, named, problem="JSON, but not a notebook (no cells)")
    try:
        with warnings.catch_warnings():  # an old notebook's missing cell ids: nbformat adds them
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 -- nbformat raises many kinds for a damaged notebook
        return Content(None, None, named, problem=f"not a valid notebook ({error})"[:300])
    note = "" if suffix == ".ipynb" else f"a notebook saved as {suffix or 'no extension'}"
    return Content(nb, chapter_from_cells(nb, chapters), named, note=note)
