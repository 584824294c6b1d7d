"""What the student's code does that no answer needs: a scan of the answer cells' source.

The in-kernel guards (helpers/by_hand_guard.py) and the verdict (grading/verdict/) hold against
most routes, but a kernel runs whatever the student wrote, so a determined answer can reach the
test's objects or switch a guard off in ways only its source shows. This module reads the
source with `ast` (never runs it) and names, with the line, every use of:

- introspection of test-time objects: frames (`sys._getframe`, `inspect.currentframe`/`stack`,
  `.f_back`, `.f_locals`, `tb_frame`), `globals()`/`vars()`/`locals()` of the caller, the
  notebook's namespace (`get_ipython`, `__main__`, `In`/`Out`), `gc.get_objects`/
  `get_referrers`, a function's `__globals__`/`__closure__`, `ctypes`;
- patching: `builtins`/`__builtins__`, attributes of `helpers`, torch's functions;
- disabling a guard: `torch.inference_mode(False)`, `helpers.by_hand` internals, the
  dispatch/function mode stacks (`torch.overrides`, `torch.utils._python_dispatch`,
  `torch._C._DisableTorchDispatch`, ...), threads (a thread runs outside the guard's mode);
- hiding code from this scan: `eval`/`exec`/`compile`, `__import__`/`importlib` of a module
  named by a non-literal, `getattr` with a computed name on a module.

Each finding is a `Finding(line, what)`; grading/preprocessors/source_scan.py turns them into
flags for the TA (kind "introspection"). Flag, never refuse: the score is not touched. A
plain answer uses none of these, so a clean batch flags nothing (tests/unit/grading/
test_source_scan.py scans every chapter's solutions).
"""

import ast
from dataclasses import dataclass

from grading.source_scan_rules import (
    ATTRIBUTES,
    CALLS,
    GUARD,
    GUARD_NAMES,
    HIDDEN,
    INTROSPECTION,
    MAGIC_METHODS,
    MODULES,
    NOTEBOOK_NAMES,
    PATCH,
    PATCHABLE,
    SESSION_MAGICS,
)


@dataclass(frozen=True)
class Finding:
    line: int
    name: str  # what the code uses: "sys._getframe", ".f_back", "import ctypes"
    why: str  # one of INTROSPECTION, GUARD, PATCH, HIDDEN

    @property
    def what(self) -> str:
        return f"{self.name}: {self.why}"


def _dotted(node, aliases: dict) -> str | None:
    """`t._C._nn` -> "torch._C._nn" given `import torch as t`; None if not a name chain."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Call) and _literal_getattr(node):  # getattr(torch, "_C")
        parts.append(node.args[1].value)
        node = node.args[0]
        inner = _dotted(node, aliases)
        return ".".join([inner, *reversed(parts)]) if inner else None
    if not isinstance(node, ast.Name):
        return None
    root = aliases.get(node.id, node.id)
    return ".".join([root, *reversed(parts)])


def _literal_getattr(call: ast.Call) -> bool:
    return (
        isinstance(call.func, ast.Name)
        and call.func.id == "getattr"
        and len(call.args) >= 2
        and isinstance(call.args[1], ast.Constant)
        and isinstance(call.args[1].value, str)
    )


def _module_finding(name: str) -> str | None:
    for module, what in MODULES.items():
        if what and (name == module or name.startswith(module + ".")):
            return what
    return None


def _inference_off(call: ast.Call) -> bool:
    """inference_mode(False), inference_mode(mode=False) or with a computed argument."""
    arg = (
        call.args[0]
        if call.args
        else next((k.value for k in call.keywords if k.arg == "mode"), None)
    )
    if arg is None:
        return False
    return not (isinstance(arg, ast.Constant) and arg.value is True)


class _Scanner(ast.NodeVisitor):
    def __init__(self, aliases: dict, bound: set):
        self.aliases = aliases
        self.bound = bound  # names the cell binds itself: its own `In` is no history read
        self.found: list[Finding] = []

    def add(self, node, name: str, why: str) -> None:
        self.found.append(Finding(getattr(node, "lineno", 0), name, why))

    def _use(self, node, name: str) -> None:
        """A dotted name read: flag it if it, or a module above it, is on a list."""
        why = CALLS.get(name) or _module_finding(name)
        if why:
            self.add(node, name, why)

    def visit_Import(self, node):
        for alias in node.names:
            why = _module_finding(alias.name)
            if why:
                self.add(node, f"import {alias.name}", why)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        for alias in node.names:
            full = f"{module}.{alias.name}"
            why = _module_finding(full) or ATTRIBUTES.get(alias.name) or CALLS.get(full)
            if why:
                self.add(node, f"from {module} import {alias.name}", why)

    def visit_Attribute(self, node):
        why = ATTRIBUTES.get(node.attr)
        if why:
            self.add(node, f".{node.attr}", why)
        if node.attr == "__dict__" and _patchable(_dotted(node.value, self.aliases) or ""):
            self.add(node, f"{_dotted(node.value, self.aliases)}.__dict__", PATCH)
        name = _dotted(node, self.aliases)
        if name:
            self._use(node, name)
        self.generic_visit(node)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store) and node.id in GUARD_NAMES:
            self.add(node, f"{node.id} = ... (rebinds a test helper)", GUARD)
        if not isinstance(node.ctx, ast.Load) or node.id in self.bound:
            return
        if node.id in NOTEBOOK_NAMES:
            self.add(node, f"{node.id} (the notebook's history or the grader)", INTROSPECTION)
        elif node.id == "__builtins__":
            self.add(node, node.id, PATCH)
        else:
            self._use(node, self.aliases.get(node.id, node.id))

    def _magic(self, node) -> bool:
        """get_ipython().run_line_magic("timeit", ...): a magic; flag only the session ones."""
        func = node.func
        if not (
            isinstance(func, ast.Attribute)
            and func.attr in MAGIC_METHODS
            and isinstance(func.value, ast.Call)
            and _dotted(func.value.func, self.aliases) in ("get_ipython", "IPython.get_ipython")
        ):
            return False
        first = node.args[0] if node.args else None
        magic = first.value if isinstance(first, ast.Constant) else None
        if (
            func.attr.startswith("run_")
            and magic not in SESSION_MAGICS
            or func.attr
            in (
                "system",
                "getoutput",
            )
        ):
            for arg in node.args:
                self.visit(arg)
            return True
        self.add(node, f"%{magic}", INTROSPECTION)
        return True

    def visit_Call(self, node):
        if self._magic(node):
            return
        name = _dotted(node.func, self.aliases)
        inference = ("torch.inference_mode", "torch.autograd.grad_mode.inference_mode")
        if name in inference and _inference_off(node):
            self.add(node, f"{name}(False) (by_hand's inference mode)", GUARD)
        if name == "vars" and (not node.args or self._is_main(node.args[0])):
            self.add(node, "vars()", INTROSPECTION)
        if name in ("getattr", "setattr", "delattr") and node.args:
            self._attribute_call(node, name)
        if name in ("__import__", "importlib.import_module") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                why = _module_finding(arg.value)
                if why:
                    self.add(node, f"{name}({arg.value!r})", why)
            else:
                self.add(node, f"{name}(<computed name>)", HIDDEN)
        self.generic_visit(node)

    def _attribute_call(self, node, name: str) -> None:
        target = _dotted(node.args[0], self.aliases) or ""
        literal = len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
        if len(node.args) > 1 and not literal and _is_module_like(target):
            self.add(node, f"{name}({target}, <computed name>)", HIDDEN)
        if name != "getattr" and _patchable(target):
            self.add(node, f"{name}({target}, ...)", PATCH)
        if literal and isinstance(node.args[1].value, str):
            attr = node.args[1].value
            why = ATTRIBUTES.get(attr)
            if why:
                self.add(node, f"{name}(..., {attr!r})", why)
            if target:
                self._use(node, f"{target}.{attr}")

    def _is_main(self, node) -> bool:
        name = _dotted(node, self.aliases) or ""
        return name == "__main__" or (
            isinstance(node, ast.Subscript) and _dotted(node.value, self.aliases) == "sys.modules"
        )

    def visit_Assign(self, node):
        for target in node.targets:
            self._assigned(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._assigned(node.target)
        self.generic_visit(node)

    def _assigned(self, target) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._assigned(element)
        elif isinstance(target, ast.Attribute):
            owner = _dotted(target.value, self.aliases) or ""
            if _patchable(owner):
                self.add(target, f"{owner}.{target.attr} = ...", PATCH)


def _bound_names(tree) -> set:
    """Names the cell assigns or takes as parameters."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def _patchable(owner: str) -> bool:
    return owner in PATCHABLE or owner.split(".")[0] in ("helpers", "builtins", "grading")


def _is_module_like(name: str) -> bool:
    root = name.split(".")[0]
    return root in ("torch", "sys", "inspect", "gc", "helpers", "builtins", "F", "nn", "grading")


def imports_of(sources) -> dict:
    """Local name -> dotted name bound by the imports in these cells (the whole notebook's,
    so `F` in an answer resolves through the first cell's `import torch.nn.functional as F`)."""
    aliases: dict = {}
    for source in sources:
        tree = parse(source)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        aliases[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        aliases.setdefault(root, root)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def parse(source: str):
    """The cell's tree (IPython syntax such as %magic turned into Python first); None if it is
    not Python at all (a cell that does not parse cannot run either)."""
    try:
        return ast.parse(source)
    except SyntaxError:
        pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ImportError, ValueError):
        return None


def scan(source: str, aliases: dict | None = None) -> list[Finding]:
    """Every suspicious use in one cell's source, by line; one finding per line and reason."""
    tree = parse(source)
    if tree is None:
        return []
    known = dict(aliases or {})
    known.update(imports_of([source]))
    bound = _bound_names(tree) - set(known)
    scanner = _Scanner(known, bound)
    scanner.visit(tree)
    names: dict = {}  # (line, why) -> the names used, in order
    for finding in sorted(scanner.found, key=lambda f: f.line):
        names.setdefault((finding.line, finding.why), {})[finding.name] = None
    out = []
    for (line, why), used in names.items():
        # `helpers.by_hand.Lock.exit` says it all: drop `helpers.by_hand.Lock`, `helpers.by_hand`
        longest = [n for n in used if not any(o != n and o.startswith(n + ".") for o in used)]
        out.append(Finding(line, ", ".join(longest), why))
    return out
