"""The project's import graph has no cycle, and no module outgrows ~400 lines (issue 22).

Imports are read from the source with `ast`, function-level imports included (a cycle hidden
inside a function is still a cycle a reader has to untangle). `from pkg import sub` counts as an
import of the sub-module `pkg.sub` when it is one, since that is what Python loads; otherwise as
an import of `pkg`. Each check is shown failing on a planted tree at the end of the file.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("helpers", "grading", "tools", "benchmarks", "tests")
# "About 400": a module may run a little over while it stays one concept; past this it is two.
MAX_LINES = 450


def project_modules(root: Path, packages=PACKAGES) -> dict[str, Path]:
    modules = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def imported_names(module: str, path: Path, node) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = module.split(".")
        if path.name != "__init__.py":
            parts = parts[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join(parts + ([base] if base else []))
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def import_graph(root: Path, packages=PACKAGES) -> dict[str, set[str]]:
    modules = project_modules(root, packages)
    graph = {}
    for module, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            names = imported_names(module, path, node)
            if isinstance(node, ast.ImportFrom):
                submodules = [n for n in names[:-1] if n in modules]
                names = submodules if len(submodules) == len(names) - 1 else names
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    edges.add(name)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start, children_of_start in graph.items():
        if start in index:
            continue
        work = [(start, iter(sorted(children_of_start)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def oversized(root: Path, packages=PACKAGES) -> dict[str, int]:
    sizes = {m: len(p.read_text().splitlines()) for m, p in project_modules(root, packages).items()}
    return {m: n for m, n in sizes.items() if n > MAX_LINES}


def test_no_import_cycle():
    found = cycles(import_graph(ROOT))
    assert not found, (
        "these modules import each other (directly or around a loop); move what both need into "
        f"a module below them: {found}"
    )


def test_no_module_over_about_400_lines():
    big = oversized(ROOT, ("helpers", "grading", "tools", "benchmarks"))
    assert not big, f"split these modules by concept (limit {MAX_LINES} lines): {big}"


def plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    "files",
    [
        {"pkg/__init__.py": "", "pkg/a.py": "from pkg import b\n", "pkg/b.py": "import pkg.a\n"},
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "def f():\n    from .b import g\n",
            "pkg/b.py": "from pkg.a import f\n",
        },
    ],
    ids=["module-level", "hidden-in-a-function"],
)
def test_a_planted_cycle_is_found(tmp_path, files):
    assert cycles(import_graph(plant(tmp_path, files), ("pkg",))) == [["pkg.a", "pkg.b"]]


def test_a_package_re_exporting_its_modules_is_no_cycle(tmp_path):
    root = plant(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.loop import train\n",
            "pkg/loop.py": "from pkg import options\n",
            "pkg/options.py": "",
        },
    )
    assert cycles(import_graph(root, ("pkg",))) == []


def test_a_planted_long_module_is_reported(tmp_path):
    root = plant(tmp_path, {"pkg/__init__.py": "", "pkg/long.py": "x = 1\n" * (MAX_LINES + 1)})
    assert oversized(root, ("pkg",)) == {"pkg.long": MAX_LINES + 1}
