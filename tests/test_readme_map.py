"""The README's map ("Where things are") names every module of every package, and only modules.

Its entries are a folder, then the folder's modules and sub-packages by name, separated by commas
or semicolons, with what they hold in brackets; a label before a colon ("modules one chapter
uses:") is prose. A module added without a line in the map, or a map line left behind by a
rename, fails here.
"""

import re

import pytest

from tools.build import ROOT

PACKAGES = ("helpers", "grading", "tools")


def _map_block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Where things are", 1)[1]
    lines = section.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    "))
    block = []
    for line in lines[start:]:
        if line and not line.startswith("    "):
            break
        block.append(line)
    return block


def _entries() -> dict[str, str]:
    """{folder: the text of its entries} (a folder may have more than one entry)."""
    entries: dict[str, str] = {}
    folder = None
    for line in _map_block():
        head = re.match(r"    (\S+/)\s+(.*)", line)
        if head:
            folder = head.group(1).rstrip("/")
            entries[folder] = entries.get(folder, "") + ", " + head.group(2)
        elif folder and line.strip():
            entries[folder] += " " + line.strip()
    return entries


def _names(text: str) -> list[str]:
    """The names an entry lists: brackets and labels taken out."""
    while re.search(r"\([^()]*\)", text):
        text = re.sub(r"\([^()]*\)", "", text)
    names = []
    for piece in re.split(r"[,;]", text):
        piece = piece.rsplit(":", 1)[-1].strip()
        if piece:
            names.append(piece)
    return names


def _packages() -> list[str]:
    found = []
    for top in PACKAGES:
        found += [str(p.parent.relative_to(ROOT)) for p in (ROOT / top).rglob("__init__.py")]
    return sorted(found)


def _modules(package: str) -> set[str]:
    folder = ROOT / package
    modules = {p.stem for p in folder.glob("*.py") if not p.stem.startswith("__")}
    return modules | {p.parent.name for p in folder.glob("*/__init__.py")}


ENTRIES = _entries()


def test_the_map_is_found_and_read():
    assert {"helpers", "grading", "tools", "grading/verdict"} <= set(ENTRIES), ENTRIES.keys()
    assert "devices" in _names(ENTRIES["helpers"]) and "cli" in _names(ENTRIES["grading"])


@pytest.mark.parametrize("package", _packages())
def test_every_module_of_every_package_is_in_the_map(package):
    assert package in ENTRIES, f"the README's map has no entry for {package}/"
    missing = _modules(package) - set(_names(ENTRIES[package]))
    assert not missing, f"the README's map does not name {sorted(missing)} in {package}/"


@pytest.mark.parametrize("folder", sorted(f for f in ENTRIES if f.split("/")[0] in PACKAGES))
def test_every_name_in_the_map_is_a_module(folder):
    wrong = [name for name in _names(ENTRIES[folder]) if name not in _modules(folder)]
    assert not wrong, f"the README's map names {wrong} in {folder}/, which has no such module"
