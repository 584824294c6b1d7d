"""Every `helpers` name a released notebook uses still resolves.

Students' copies of the notebooks are never overwritten (tools/workspace.py), so an import path
that a release once used must keep working after the package is reorganised. The names are
read from release/*/*.ipynb themselves, so a chapter that adds an import is covered at once:
`from helpers.x import a, b`, `import helpers.x`, and attribute chains such as
`helpers.models.BasicBlock` after a bare `import helpers`. They are resolved in a fresh
interpreter, as a student's new kernel would.
"""

import ast
import json
import subprocess
import sys

from tools.build import ROOT

PROBE = r"""
import importlib, json, sys
failed = []
for module, names in json.loads(sys.argv[1]):
    try:
        imported = importlib.import_module(module)
        for name in names:
            found = imported
            for part in name.split("."):  # "models.BasicBlock": helpers.models.BasicBlock
                found = getattr(found, part)
    except (ImportError, AttributeError) as error:
        failed.append(f"{module}: {names}: {error!r}")
print(json.dumps(failed))
"""


def _code(cell) -> str:
    """The cell as Python: IPython turns its own syntax (%timeit, !pip) into calls first."""
    from IPython.core.inputtransformer2 import TransformerManager

    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    return TransformerManager().transform_cell(source)


def _attribute_chain(node) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id == "helpers":
        return parts[::-1]
    return None


def release_uses() -> set[tuple[str, tuple[str, ...]]]:
    """(module, names) for every helpers import and `helpers.a.b` use in the release notebooks."""
    uses = set()
    for path in sorted(ROOT.glob("release/*/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse(_code(cell))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers"):
                    uses.add((node.module, tuple(sorted(a.name for a in node.names))))
                elif isinstance(node, ast.Import):
                    uses |= {(a.name, ()) for a in node.names if a.name.startswith("helpers")}
                elif isinstance(node, ast.Attribute):
                    # `helpers.models.BasicBlock` is seen twice (also as `helpers.models`).
                    chain = _attribute_chain(node)
                    if chain:
                        uses.add(("helpers", (".".join(chain),)))
    return uses


def test_the_release_notebooks_use_helpers():
    uses = release_uses()
    modules = {module for module, _ in uses}
    # If parsing found nothing the test below would pass vacuously.
    assert {"helpers", "helpers.checks"} <= modules, modules
    assert ("helpers", ("models.BasicBlock",)) in uses


def test_every_name_a_release_notebook_imports_resolves_in_a_fresh_kernel():
    uses = sorted([module, list(names)] for module, names in release_uses())
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(uses)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    failed = json.loads(done.stdout)
    assert not failed, "\n".join(failed)
