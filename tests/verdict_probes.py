"""Submissions generated from a chapter's instructor notebook, for the verdict's probes.

Generated from the chapter itself, so a new exercise is covered without editing a test:

    thief(source)          every answer, once the visible part of its test has passed (a cheater
                           copies the visible cases' answers from the visible test; a function
                           of no arguments has no case to copy, so from the start), replaced
                           by code that returns what it can *find*:
                           names like `want`/`ref` in the caller's frames and in globals(),
                           the rest of a literal row that holds its arguments (a `cases` list),
                           `.grad` left on its inputs or on a tensor sharing their storage,
                           reference modules in the caller's frames
                           (copied, or for a class: become one), tensors of its input's shape
                           among `gc` objects. It implements nothing; it must score 0.
    honest_state(source)   the solution, with what an honest student does around it:
                           `torch.set_default_dtype(torch.float64)` at the top, and before every
                           test cell a scratch cell that draws random numbers and runs the test's
                           visible part once (calling the student's code). Full marks.
    honest_forms(source)   the solution, with answers in other valid forms: Python numbers
                           returned as 0-d tensors, returned modules (and module classes)
                           re-initialised with kaiming_normal_. Where the notebook prints the
                           visible ✔ for such an answer, grading must give the points.

`visible_passes(graded_nb)` reads, from a graded notebook, the test cells whose visible part
printed ✔ (helpers.checks.passed) in the student's own kernel.
"""

import ast
import copy
import re

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
TICK = "\u2714 "

# The thief's tools, one cell placed before the first answer. Every strategy returns a *copy*
# of what it finds, as a student who copies an expected value would.
THIEF_TOOLS = r'''
import copy as _t_copy, gc as _t_gc, re as _t_re, sys as _t_sys
import numpy as _t_np
import torch as _t_torch

_T_NAMES = _t_re.compile(r"want|expect|truth|ref|target|answer|correct|golden|^_?w[sp]?$|layer",
                         _t_re.I)
_T_DATA = (_t_torch.Tensor, _t_np.ndarray, int, float, bool, tuple, list, dict)


def _t_frames():
    frame = _t_sys._getframe(3)  # the code that called the student's function
    while frame is not None:
        yield frame
        frame = frame.f_back


def _t_loot(args, self=None):
    """What the thief can reach, best guesses first."""
    mine = {id(a) for a in args} | {id(self)}
    found, seen = [], set(mine)

    def add(value):
        if id(value) not in seen:
            seen.add(id(value))
            found.append(value)

    frames = list(_t_frames())
    for frame in frames:  # names that say "expected", nearest frame first, globals last
        for name, value in list(frame.f_locals.items()):
            if _T_NAMES.search(name) and not name.startswith("__"):
                add(value)
    for frame in frames:  # a literal table's row that holds my arguments: the rest of it
        for value in list(frame.f_locals.values()):
            rows = value.values() if isinstance(value, dict) else value
            if not isinstance(rows, (list, tuple, type({}.values()))):
                continue
            for row in list(rows)[:100]:
                if isinstance(row, tuple) and any(
                    r is a for r in row for a in args if not isinstance(a, (int, float, str))
                ):
                    rest = tuple(r for r in row if all(r is not a for a in args)
                                 and not isinstance(r, str) and not callable(r))
                    add(rest[0] if len(rest) == 1 else rest)
    for a in args:  # autograd results left on my inputs
        grad = getattr(a, "grad", None) if isinstance(a, _t_torch.Tensor) else None
        if grad is not None:
            add(grad.detach().clone())
    try:
        storage = {a.data_ptr() for a in args if isinstance(a, _t_torch.Tensor)}
        for frame in frames:  # ... or on a tensor in the caller's frames sharing my storage
            for value in list(frame.f_locals.values()):
                if (isinstance(value, _t_torch.Tensor) and value.is_leaf
                        and value.data_ptr() in storage and value.grad is not None):
                    add(value.grad.detach().clone())
    except Exception:  # noqa: BLE001 -- a tensor without storage (a fake-GPU one)
        pass
    for frame in frames:  # reference objects in the caller's frames
        for value in list(frame.f_locals.values()):
            if isinstance(value, _t_torch.nn.Module):
                add(value)
    shapes = {tuple(a.shape) for a in args if isinstance(a, _t_torch.Tensor)}
    if shapes:  # the newest tensors of my input's shape that are not my inputs
        tensors = [o for o in _t_gc.get_objects()
                   if type(o) is _t_torch.Tensor and tuple(o.shape) in shapes]
        for t in tensors[::-1][:3]:
            add(t)
    return found


def _t_copy_of(value):
    try:
        if isinstance(value, _t_torch.Tensor):
            return value.detach().clone()
        return _t_copy.deepcopy(value)
    except Exception:  # noqa: BLE001 -- a thief takes what it can
        return value


def __thief__(args, hint="data"):
    for value in _t_loot(list(args.values())):
        if hint == "module" and isinstance(value, _t_torch.nn.Module):
            return _t_copy_of(value)
        if hint == "data" and isinstance(value, _T_DATA):
            return _t_copy_of(value)
    return None


def __thief_init__(self, args):
    for value in _t_loot(list(args.values()), self):
        if isinstance(value, _t_torch.nn.Module) and type(value) is not type(self):
            self.__dict__.update(_t_copy.deepcopy(value).__dict__)
            self.__dict__["_thief_class"] = type(value)
            return


_t_state = {"hidden": False}
get_ipython().events.register("pre_run_cell", lambda *a: _t_state.update(hidden=False))
_t_passed = passed


def passed(what):
    """The visible part ends here: from now on the thief steals."""
    _t_state["hidden"] = True
    return _t_passed(what)


def __thief_hidden__():
    return _t_state["hidden"]


def __thief_method__(self, name, args):
    stolen = self.__dict__.get("_thief_class")
    if stolen is not None and hasattr(stolen, name):
        values = [v for k, v in args.items() if k != "self"]
        return getattr(stolen, name)(self, *values)
    return __thief__({k: v for k, v in args.items() if k != "self"})
'''

# The honest variants' wrappers, one cell placed before the first answer.
FORMS_TOOLS = r'''
import functools as _h_functools
import torch as _h_torch


def _h_zero_d(value):
    """Python numbers as 0-d tensors (one level into tuples), as a student might return them."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _h_torch.tensor(value)
    if isinstance(value, float):
        return _h_torch.tensor(value, dtype=_h_torch.float64)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_h_zero_d(v) if isinstance(v, (int, float)) else v for v in value)
    return value


def _h_kaiming(module):
    """Another valid initialisation: kaiming_normal_ weights, zero biases."""
    with _h_torch.no_grad():
        for m in module.modules():
            if isinstance(m, (_h_torch.nn.Conv2d, _h_torch.nn.Linear)):
                _h_torch.nn.init.kaiming_normal_(m.weight)
                if m.bias is not None:
                    m.bias.zero_()
    return module


def _h_other_form(value):
    if isinstance(value, _h_torch.nn.Module):
        return _h_kaiming(value)
    return _h_zero_d(value)


def __honest_forms__(namespace, names):
    for name in names:
        original = namespace[name]
        if isinstance(original, type):
            if issubclass(original, _h_torch.nn.Module):
                def __init__(self, *a, _h_original=original, **k):
                    _h_original.__init__(self, *a, **k)
                    _h_kaiming(self)
                namespace[name] = type(name, (original,), {"__init__": __init__,
                                                           "__module__": original.__module__})
            continue
        if callable(original):
            @_h_functools.wraps(original)
            def wrapped(*a, _h_original=original, **k):
                return _h_other_form(_h_original(*a, **k))
            namespace[name] = wrapped
'''


def _nbg(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def is_answer(cell) -> bool:
    return cell.cell_type == "code" and bool(_nbg(cell).get("solution"))


def is_test(cell) -> bool:
    meta = _nbg(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _regions(source: str) -> list[tuple[int, int]]:
    """1-based (begin, end) line numbers of each solution region, delimiters included."""
    regions, start = [], None
    for number, line in enumerate(source.split("\n"), start=1):
        if BEGIN in line:
            start = number
        elif END in line and start is not None:
            regions.append((start, number))
            start = None
    return regions


def _enclosing(tree, line: int):
    """(innermost function around `line`, the class it is a method of, or None)."""
    around = []  # (function, its class or None)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            around += [(f, node) for f in node.body if isinstance(f, ast.FunctionDef)]
    methods = {id(f) for f, _ in around}
    around += [
        (n, None) for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and id(n) not in methods
    ]
    inside = [(f, c) for f, c in around if f.lineno < line <= f.end_lineno]
    return max(inside, key=lambda fc: fc[0].lineno, default=(None, None))


def _thief_lines(source: str, tree, begin: int, end: int) -> list[str]:
    lines = source.split("\n")
    indent = re.match(r"\s*", lines[begin - 1]).group(0)
    body = "\n".join(lines[begin : end - 1])
    func, owner = _enclosing(tree, begin)
    if func is None:  # top-level answers (`predicted_x = ...`): the names, set to nothing
        names = sorted(
            {
                t.id
                for n in ast.walk(ast.parse(_dedent(body)))
                if isinstance(n, ast.Assign)
                for t in n.targets
                if isinstance(t, ast.Name)
            }
        )
        return [f"{indent}{name} = None" for name in names] or [f"{indent}pass"]
    if owner is not None and func.name == "__init__":
        steal = [f"{indent}    __thief_init__(self, locals())", f"{indent}    return"]
    elif owner is not None:
        steal = [f"{indent}    return __thief_method__(self, {func.name!r}, locals())"]
    else:
        hint = "module" if re.search(r"\bnn\.(Sequential|Module)", body) else "data"
        steal = [f"{indent}    return __thief__(locals(), {hint!r})"]
    if owner is None and not _parameters(func):
        # A function of nothing has one answer, and the visible test shows what it must do,
        # not the answer (xor_weights' outputs, not its weights): there is no visible case to
        # copy, so the thief steals from the start.
        return [indent + line[len(indent) + 4 :] for line in steal]
    # The visible cases are answered (a cheater copies them from the visible test); after the
    # visible part's passed(...), in the hidden part, the thief only steals.
    return [f"{indent}if __thief_hidden__():", *steal, *lines[begin : end - 1]]


def _parameters(func) -> list[str]:
    args = func.args
    named = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    return named + [a.arg for a in (args.vararg, args.kwarg) if a is not None]


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text)


def thief_answer(source: str) -> str:
    """An answer cell with each solution region replaced by the thief's call."""
    tree = ast.parse(source)
    lines = source.split("\n")
    for begin, end in reversed(_regions(source)):
        lines[begin - 1 : end] = _thief_lines(source, tree, begin, end)
    return "\n".join(lines)


def _tools_cell(code: str):
    return nbformat.v4.new_code_cell(code.strip() + "\n")


def _first_answer(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if is_answer(c))


def thief(source_nb):
    nb = copy.deepcopy(source_nb)
    for cell in nb.cells:
        if is_answer(cell):
            cell.source = thief_answer(cell.source)
    nb.cells.insert(_first_answer(nb), _tools_cell(THIEF_TOOLS))
    return nb


def _visible_part(test_source: str) -> str:
    """The test's visible lines without the isolate() line: what a student re-runs by hand."""
    visible = test_source.split(HIDDEN_BEGIN, 1)[0]
    return "\n".join(ln for ln in visible.split("\n") if "isolate(" not in ln)


SCRATCH = """# scratch: my own random draws, then the visible test once more by hand
import random as _s_random
import numpy as _s_np
import torch as _s_torch
_s_torch.rand(7); _s_torch.randn(3, 3); _s_np.random.rand(5); _s_random.random()
try:
    exec(get_ipython().transform_cell({source!r}), globals())
except Exception as _s_error:  # noqa: BLE001 -- a scratch cell may fail; the test says why
    print("scratch:", type(_s_error).__name__, _s_error)
"""


def honest_state(source_nb):
    nb = copy.deepcopy(source_nb)
    cells = [_tools_cell("import torch\ntorch.set_default_dtype(torch.float64)  # my preference")]
    for cell in nb.cells:
        if is_test(cell):
            cells.append(_tools_cell(SCRATCH.format(source=_visible_part(cell.source))))
        cells.append(cell)
    nb.cells = cells
    return nb


def _defined_names(source: str) -> list[str]:
    tree = ast.parse(source)
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


def honest_forms(source_nb):
    nb = copy.deepcopy(source_nb)
    for cell in nb.cells:
        if is_answer(cell):
            names = _defined_names(cell.source)
            if names:
                cell.source += f"\n__honest_forms__(globals(), {names!r})\n"
    nb.cells.insert(_first_answer(nb), _tools_cell(FORMS_TOOLS))
    return nb


def _text(cell) -> str:
    out = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            out.append(output.get("text", ""))
        elif "data" in output:
            out.append(output["data"].get("text/plain", ""))
    return "".join(out)


def visible_passes(graded_nb) -> set[str]:
    """grade_ids of the test cells that printed the visible ✔ in the student's kernel."""
    return {
        _nbg(cell)["grade_id"]
        for cell in graded_nb.cells
        if is_test(cell) and any(line.startswith(TICK) for line in _text(cell).split("\n"))
    }


def points_by_test_cell(nb) -> dict:
    """{grade_id: points} of the notebook's test cells."""
    return {_nbg(c)["grade_id"]: float(_nbg(c).get("points", 0)) for c in nb.cells if is_test(c)}
