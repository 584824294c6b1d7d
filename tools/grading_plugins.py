"""nbgrader plug-ins for the course, configured in nbgrader_config.py."""
import ast
import re

import nbformat

from nbgrader.preprocessors import NbGraderPreprocessor

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?",
                    re.DOTALL | re.MULTILINE)


class RedactHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests from feedback: their source, and the traceback of a failed one.

    A traceback quotes the failing line, so an assert inside a hidden block would reveal the
    hidden test; only its error type and message (written by the instructor to be safe to
    show) are kept. (Subclassing nbgrader's base class, not nbconvert's, matters: nbconvert
    preprocessors are disabled unless switched on.)
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and "### BEGIN HIDDEN TESTS" in cell.source:
            cell.source = HIDDEN.sub("# (hidden tests were run here)\n", cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename')}: {output.get('evalue')}"]
        return cell, resources


# Names a submission may not rebind, and modules whose attributes it may not assign: the tests
# look these up at run time, so rebinding them would let any answer pass.
PROTECTED_NAMES = {"check_close", "check_equal", "check_shape", "check_type", "check_true",
                   "checks", "helpers", "torch", "np", "numpy", "AssertionError", "__builtins__"}
PROTECTED_MODULES = {"torch", "np", "numpy", "helpers", "checks", "builtins", "sys", "math"}
FORBIDDEN_CALLS = {"exec", "eval", "compile", "__import__", "globals", "vars", "settrace",
                   "setprofile", "set_custom_exc", "reload", "import_module"}
ATTRIBUTE_SETTERS = {"setattr", "delattr"}
FORBIDDEN_ATTRS = {"__builtins__", "__code__", "__globals__", "__dict__", "modules",
                   "excepthook", "showtraceback", "_showtraceback", "events"}
# What `%magic` lines become; running a magic is fine, reaching into the shell is not.
MAGIC_METHODS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


def tampering(source: str) -> list[str]:
    """Lines of student code that change what the tests rely on, with the reason."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return []  # it will fail when run; nothing to exploit
    modules = set(PROTECTED_MODULES)  # every name bound by an import is a module to protect
    magic_calls = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules |= {a.asname or a.name.split(".")[0] for a in node.names}
        if isinstance(node, ast.Attribute) and node.attr in MAGIC_METHODS:
            magic_calls.add(id(node.value))
    found = []

    def flag_target(target, lineno):
        if isinstance(target, ast.Name) and target.id in PROTECTED_NAMES:
            found.append(f"line {lineno}: rebinds `{target.id}`")
        elif isinstance(target, ast.Attribute):
            root = _root(target)
            if not isinstance(root, ast.Name) or root.id in modules:
                found.append(f"line {lineno}: assigns to `{ast.unparse(target)}`")
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                flag_target(element, lineno)

    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.Delete)):
            for target in node.targets:
                flag_target(target, node.lineno)
            value = getattr(node, "value", None)
            if isinstance(value, ast.Name) and value.id in PROTECTED_MODULES:
                found.append(f"line {node.lineno}: aliases `{value.id}`")
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            flag_target(node.target, node.lineno)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in PROTECTED_NAMES:
            found.append(f"line {node.lineno}: redefines `{node.name}`")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.asname in PROTECTED_NAMES and alias.asname != alias.name.split(".")[-1]:
                    if not (alias.asname == "np" and alias.name == "numpy"):
                        found.append(f"line {node.lineno}: rebinds `{alias.asname}` by import")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in FORBIDDEN_CALLS:
                found.append(f"line {node.lineno}: calls `{name}()`")
            elif name == "get_ipython" and id(node) not in magic_calls:
                found.append(f"line {node.lineno}: calls `get_ipython()`")
            elif name in ATTRIBUTE_SETTERS and node.args:
                root = _root(node.args[0])
                if not isinstance(root, ast.Name) or root.id in modules:
                    found.append(f"line {node.lineno}: calls `{name}()` on a module")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRS:
            found.append(f"line {node.lineno}: uses `.{node.attr}`")
        elif isinstance(node, ast.Name) and node.id == "__builtins__":
            found.append(f"line {node.lineno}: uses `__builtins__`")
    return sorted(set(found))


class RefuseTampering(NbGraderPreprocessor):
    """Zero every test cell of a submission whose own code rebinds the grading machinery.

    Runs in the grader's process after the kernel has finished, so nothing a submission does
    at run time can switch it off. Only cells a student can edit are read (answer cells and
    cells without nbgrader metadata); locked cells were already restored from the source.
    """

    def preprocess(self, nb, resources):
        problems = []
        for index, cell in enumerate(nb.cells):
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or meta.get("locked") or meta.get("grade"):
                continue
            where = meta.get("grade_id") or f"cell {index + 1}"
            problems += [f"{where}, {p}" for p in tampering(cell.source)]
        if problems:
            message = ("Not graded: this submission changes the functions the tests use ("
                       + "; ".join(problems) + "). Remove that code and resubmit, or ask your TA.")
            self.log.warning("%s", message)
            for cell in nb.cells:
                if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
                    cell.outputs.append(nbformat.v4.new_output(
                        "error", ename="GradingRefused", evalue=message, traceback=[message]))
        return nb, resources
