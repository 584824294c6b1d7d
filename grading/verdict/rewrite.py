"""Step 1 of the verdict: rewrite a test cell so it *records* the student's values.

Runs in the grader's process, after nbgrader restored the locked test cells from the gradebook
and before the kernel runs anything. Each call of a `helpers.checks` function becomes a record
of the value under test only (the student's value, the first argument):

    hidden part:   check_close(a, b, what, rtol=r)  ->  __dlbook_record__(a, kind="close", rtol=r)
    visible part:  check_close(a, b, what)  ->  check_close(__dlbook_record__(a, kind="close",
                                                              passthrough=True), b, what)

In the hidden part the expected value `b` is dropped, and so is every statement that only
feeds expected values (expected.py): the reference modules, the `want = ...`, the reference
gradient, the answers column of a table of cases. A function defined in the cell that makes
checks and is called from the hidden part (a visible-part helper such as `_check_block(...)`)
gets a hidden twin, rewritten the same way, which the hidden part calls instead. So in the
student's kernel a hidden part makes inputs, calls the student's code and records what it
returns; the records are compared with the instructor's solution's records outside the kernel
(records.py). In the visible part the check still runs, so the student still sees its message.
"""

import ast
import copy

from grading.verdict.cells import hidden_lines
from grading.verdict.expected import (
    RECORD,
    Remove,
    blank_table_columns,
    expected_only_statements,
)
from grading.verdict.kinds import SIGNATURES


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


def _hidden_twins(tree, hidden: set[int]) -> dict[str, ast.FunctionDef]:
    """{name: its twin} for each function defined in the cell that makes checks and is called
    from the hidden part. In the twin every check is a hidden record and the expected values
    are dropped, so a visible-part helper run on hidden inputs computes no expected value in
    the student's kernel; the visible part still calls the original."""
    makers = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(isinstance(n, ast.Call) and _check_name(n) for n in ast.walk(node))
    }
    called = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id in makers
        and n.lineno in hidden
    }
    return {name: makers[name] for name in sorted(called)}


def _twin_name(name: str) -> str:
    return f"{name}__hidden"


class _CallTwins(ast.NodeTransformer):
    """Hidden calls of a checking helper call its twin."""

    def __init__(self, names: set[str], lines: set[int] | None):
        self.names, self.lines = names, lines

    def visit_Call(self, node):
        self.generic_visit(node)
        if (
            isinstance(node.func, ast.Name)
            and node.func.id in self.names
            and (self.lines is None or node.lineno in self.lines)
        ):
            node.func = ast.Name(_twin_name(node.func.id), ast.Load())
        return node


def _make_twin(function: ast.FunctionDef, twins: set[str]) -> tuple[ast.FunctionDef, list]:
    twin = copy.deepcopy(function)
    twin.name = _twin_name(function.name)
    lines = {n.lineno for n in ast.walk(twin) if hasattr(n, "lineno")}
    module = ast.Module([twin], [])
    rewriter = _Rewriter(lines)
    module = rewriter.visit(module)
    module = _CallTwins(twins, None).visit(module)
    blank_table_columns(module, lines, rewriter.dropped_names)
    module = Remove(expected_only_statements(module, lines, rewriter.dropped_names)).visit(module)
    return module.body[0], rewriter.hidden_kinds


def parse_cell(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError:
        # A test cell may use IPython syntax (%magic); IPython turns it into Python first.
        from IPython.core.inputtransformer2 import TransformerManager

        return ast.parse(TransformerManager().transform_cell(source))


def _rewrite(source: str, begin: str, end: str):
    tree = parse_cell(source)
    hidden = hidden_lines(source, begin, end)
    twins = _hidden_twins(tree, hidden)
    made = {name: _make_twin(function, set(twins)) for name, function in twins.items()}
    rewriter = _Rewriter(hidden)
    tree = rewriter.visit(tree)
    tree = _CallTwins(set(twins), hidden).visit(tree)
    blank_table_columns(tree, hidden, rewriter.dropped_names)
    remove = expected_only_statements(tree, hidden, rewriter.dropped_names)
    tree = Remove(remove).visit(tree)
    for name, (twin, _) in made.items():  # each twin right after the function it copies
        at = next(
            i for i, n in enumerate(tree.body) if isinstance(n, ast.FunctionDef) and n.name == name
        )
        tree.body.insert(at + 1, twin)
    ast.fix_missing_locations(tree)
    kinds = rewriter.hidden_kinds + [k for _, (_, ks) in made.items() for k in ks]
    return tree, rewriter, kinds


def rewrite_test_cell(source: str, begin: str, end: str) -> tuple[str, int, int]:
    """Return (rewritten source, number of visible records, number of hidden records)."""
    tree, rewriter, kinds = _rewrite(source, begin, end)
    return ast.unparse(tree) + "\n", rewriter.visible_records, len(kinds)


def hidden_kinds(source: str, begin: str, end: str) -> list[str]:
    """The kinds of record the hidden part of a test cell makes: its own checks, in order,
    then those of the helpers it calls (their twins'), each counted once."""
    return _rewrite(source, begin, end)[2]
