"""Step 1 of the verdict: rewrite a test cell so it *records* the student's values.

Runs in the grader's process, after nbgrader restored the locked test cells from the gradebook
and before the kernel runs anything. Each call of a `helpers.checks` function becomes a record
of the value under test only (the student's value, the first argument):

    hidden part:   check_close(a, b, what, rtol=r)  ->  __dlbook_record__(a, kind="close", rtol=r)
    visible part:  check_close(a, b, what)  ->  check_close(__dlbook_record__(a, kind="close",
                                                              passthrough=True), b, what)

In the hidden part the expected value `b` is dropped, and so is any assignment to a name used
only as an expected value (`want = torch.stack(...)`), so the right answer for the hidden inputs
is never computed where the student's code could read it. The records are compared with the
instructor's solution's records outside the kernel (records.py). In the visible part the check
still runs, so the student still sees its message.
"""

import ast

from grading.verdict.cells import hidden_lines
from grading.verdict.kinds import SIGNATURES

RECORD = "__dlbook_record__"


class RewriteError(ValueError):
    """A test cell the rewrite cannot handle; the message names the cell's problem."""


def _check_name(call: ast.Call) -> str | None:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name if name in SIGNATURES else None


def _bind(call: ast.Call, params: tuple) -> dict:
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        raise RewriteError(
            f"line {call.lineno}: write the arguments of a check out "
            "(no *args or **kwargs), so the grader can find the student's value"
        )
    if len(call.args) > len(params):
        raise RewriteError(f"line {call.lineno}: too many arguments")
    bound = dict(zip(params, call.args))
    for keyword in call.keywords:
        if keyword.arg not in params or keyword.arg in bound:
            raise RewriteError(f"line {call.lineno}: unexpected argument {keyword.arg!r}")
        bound[keyword.arg] = keyword.value
    if params[0] not in bound:
        raise RewriteError(f"line {call.lineno}: the check has no value to test")
    return bound


def _record_call(kind: str, bound: dict, value_param: str, passthrough: bool) -> ast.Call:
    keywords = [ast.keyword("kind", ast.Constant(kind))]
    for name in ("rtol", "atol"):
        if name in bound:
            keywords.append(ast.keyword(name, bound[name]))
    if kind == "type":
        keywords.append(ast.keyword("expected_type", bound["expected_type"]))
    if passthrough:  # only visible checks pass the value on to the real check
        keywords.append(ast.keyword("passthrough", ast.Constant(True)))
    else:
        keywords.append(ast.keyword("hidden", ast.Constant(True)))
    return ast.Call(ast.Name(RECORD, ast.Load()), [bound[value_param]], keywords)


class _Rewriter(ast.NodeTransformer):
    def __init__(self, hidden: set[int]):
        self.hidden = hidden
        self.dropped_names: set[str] = set()  # names used as a dropped expected value
        self.hidden_records = self.visible_records = 0
        self.hidden_kinds: list[str] = []

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        name = _check_name(node)
        if name is None:
            return node
        kind, params = SIGNATURES[name]
        bound = _bind(node, params)
        if node.lineno in self.hidden:
            self.hidden_records += 1
            self.hidden_kinds.append(kind)
            if params[1] in bound and kind != "type":
                self.dropped_names |= {
                    n.id for n in ast.walk(bound[params[1]]) if isinstance(n, ast.Name)
                }
            return _record_call(kind, bound, params[0], passthrough=False)
        self.visible_records += 1
        # The visible check keeps every argument; only its first is wrapped.
        recorded = _record_call(kind, bound, params[0], passthrough=True)
        if node.args:
            node.args[0] = recorded
        else:
            node.keywords = [
                ast.keyword(k.arg, recorded) if k.arg == params[0] else k for k in node.keywords
            ]
        return node


def _target_roots(node) -> set[str] | None:
    """Names an assignment target binds or changes; None if it is not a plain name/item."""
    if isinstance(node, (ast.Tuple, ast.List)):
        roots: set[str] = set()
        for element in node.elts:
            found = _target_roots(element)
            if found is None:
                return None
            roots |= found
        return roots
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return {node.id} if isinstance(node, ast.Name) else None


def _assigned_roots(stmt) -> set[str] | None:
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    else:
        return None
    roots: set[str] = set()
    for target in targets:
        found = _target_roots(target)
        if found is None:
            return None
        roots |= found
    return roots


def _expected_only_statements(tree, hidden: set[int], candidates: set[str]) -> set[int]:
    """ids of hidden assignments whose names are used only as (dropped) expected values."""
    if not candidates:
        return set()
    removable = {
        id(s): _assigned_roots(s)
        for s in ast.walk(tree)
        if isinstance(s, ast.stmt) and s.lineno in hidden
    }
    removable = {k: v for k, v in removable.items() if v and v <= candidates}
    # A name still read anywhere outside the assignments being removed must be kept, and
    # keeping an assignment keeps what it reads: repeat until nothing changes.
    while True:
        inside = {id(n) for s in ast.walk(tree) if id(s) in removable for n in ast.walk(s)}
        still_read = {
            n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in inside
        }
        keep = {k for k, roots in removable.items() if roots & still_read}
        if not keep:
            return set(removable)
        removable = {k: v for k, v in removable.items() if k not in keep}


class _Remove(ast.NodeTransformer):
    def __init__(self, ids: set[int]):
        self.ids = ids

    def generic_visit(self, node):
        super().generic_visit(node)
        return node

    def visit(self, node):
        if id(node) in self.ids:
            return ast.Pass()
        return super().visit(node)


def parse_cell(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError:
        # A test cell may use IPython syntax (%magic); IPython turns it into Python first.
        from IPython.core.inputtransformer2 import TransformerManager

        return ast.parse(TransformerManager().transform_cell(source))


def rewrite_test_cell(source: str, begin: str, end: str) -> tuple[str, int, int]:
    """Return (rewritten source, number of visible records, number of hidden records)."""
    tree = parse_cell(source)
    hidden = hidden_lines(source, begin, end)
    rewriter = _Rewriter(hidden)
    tree = rewriter.visit(tree)
    remove = _expected_only_statements(tree, hidden, rewriter.dropped_names)
    tree = _Remove(remove).visit(tree)
    ast.fix_missing_locations(tree)
    return ast.unparse(tree) + "\n", rewriter.visible_records, rewriter.hidden_records


def hidden_kinds(source: str, begin: str, end: str) -> list[str]:
    """The kinds of record the hidden part of a test cell makes, in order."""
    rewriter = _Rewriter(hidden_lines(source, begin, end))
    rewriter.visit(parse_cell(source))
    return rewriter.hidden_kinds
