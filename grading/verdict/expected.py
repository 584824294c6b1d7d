"""Which statements of a hidden part only make expected values, and so never run in the kernel.

Used by rewrite.py after the checks became records (their expected arguments dropped). Flow-
insensitive, over one cell's AST: a statement goes when everything it sets or changes feeds
only dropped expected values (transitively), or it is a backward pass whose gradients nothing
that stays can reach; tables of cases lose their expected columns. The student's run and the
solution's run drop the same statements, so the records (the student's values) are unchanged.
"""

import ast

RECORD = "__dlbook_record__"


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
    if isinstance(node, ast.Starred):
        return _target_roots(node.value)
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return {node.id} if isinstance(node, ast.Name) else None


def data_names(tree) -> set[str]:
    """Names the tree binds to data: by assignment, a loop, `with ... as`, or a parameter (not
    by def, class or import, whose names an expression statement uses, not changes)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _constant_names(tree) -> set[str]:
    """Names every binding of which is a constant (`mode = "train"`, `for mode in ("train",
    "eval"):`): an expression statement that reads one cannot change what it holds."""
    constant, other = set(), set()

    def literal(node) -> bool:
        return isinstance(node, ast.Constant) or (
            isinstance(node, (ast.Tuple, ast.List))
            and all(isinstance(e, ast.Constant) for e in node.elts)
        )

    bound_to_constants = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            bound_to_constants |= {id(t) for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Name) and literal(node.iter):
            bound_to_constants.add(id(node.target))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            (constant if id(node) in bound_to_constants else other).add(node.id)
        elif isinstance(node, ast.arg):
            other.add(node.arg)
    return constant - other


def _calls_record(stmt) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == RECORD
        for n in ast.walk(stmt)
    )


def _receiver(call) -> str | None:
    """`ref.weight.copy_(x)` -> "ref": the name a method call is made on, if it is one."""
    node = call.func
    if not isinstance(node, ast.Attribute):
        return None
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _roots(stmt, data: set[str]) -> set[str] | None:
    """The names a simple statement may set or change: an assignment's targets; for a method
    call on a data name (`ref.eval()`, `layer.weight.copy_(w)`) that name (a method changes
    its object, not its arguments); for any other expression statement every data name it
    reads (`fill_parameters(ref)`, `copy_parameters(ref, blk)`). None for other statements,
    which are always kept."""
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    elif isinstance(stmt, ast.Expr):
        if isinstance(stmt.value, ast.Call) and _receiver(stmt.value) in data:
            return {_receiver(stmt.value)}
        read = {
            n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        }
        return read & data
    else:
        return None
    roots: set[str] = set()
    for target in targets:
        found = _target_roots(target)
        if found is None:
            return None
        roots |= found
    return roots


def expected_only_statements(tree, hidden: set[int], candidates: set[str]) -> set[int]:
    """ids of hidden statements that only make (dropped) expected values.

    A statement goes when every name it sets or changes is an expected value's (a name the
    dropped expected arguments read, or one that only a dropped statement reads, and so on)
    and no statement that stays reads it. Both runs, the student's and the solution's, drop
    the same statements, so what the records hold is unchanged; what goes is never computed
    in the student's kernel.
    """
    data = data_names(tree)
    changeable = data - _constant_names(tree)
    simple = {
        id(s): (s, _roots(s, changeable))
        for s in ast.walk(tree)
        if isinstance(s, ast.stmt) and getattr(s, "lineno", None) in hidden and not _calls_record(s)
    }
    candidates = set(candidates)
    backward = {k for k, (s, r) in simple.items() if r and _is_backward(s)}
    exposure = _Exposure(tree, changeable)
    removed: set[int] = set()
    while True:
        removable = {
            k: r for k, (s, r) in simple.items() if r and (r <= candidates or k in backward)
        }
        # A name still read anywhere outside the statements being removed must be kept, and
        # keeping a statement keeps what it reads: repeat until nothing changes.
        while True:
            inside = {id(n) for k in removable for n in ast.walk(simple[k][0])}
            still_read = {
                n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in inside
            }
            keep = {
                k
                for k, roots in removable.items()
                # an expected value's statement that nothing kept reads; or a backward whose
                # gradients nothing kept can reach
                if (not roots <= candidates or roots & still_read)
                and (k not in backward or exposure.exposed(simple[k][0], inside))
            }
            if not keep:
                break
            removable = {k: v for k, v in removable.items() if k not in keep}
        # What only removed statements read is an expected value's too.
        more = {
            n.id
            for k in removable
            for n in ast.walk(simple[k][0])
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in data
        }
        if set(removable) == removed and more <= candidates:
            return removed
        removed, candidates = set(removable), candidates | more


def _is_backward(stmt) -> bool:
    """`loss.backward()`, `torch.autograd.backward(...)`: a statement that fills `.grad`."""
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Attribute)
        and stmt.value.func.attr == "backward"
    )


# Uses of a tensor that cannot reach its `.grad` (nor, through a graph, its leaves).
_GRADLESS_USES = {
    "detach",
    "data",
    "shape",
    "dtype",
    "device",
    "numpy",
    "tolist",
    "item",
    "size",
    "numel",
    "ndim",
    "dim",
}


class _Exposure:
    """Whether the `.grad` a backward statement fills can be reached by the code that stays.

    A backward statement whose gradients only an expected value reads (`(f(xh)).backward()`
    then `check_close(f_prime(xh.detach()), xh.grad)`) goes: after it, the tensors it read
    are used only in ways that cannot reach a gradient (`xh.detach()`, `xh.shape`), or not
    at all. Any other later use (passed as it is, `xh.grad`, `xh * 2`, inside the same loop)
    keeps it.
    """

    def __init__(self, tree, changeable: set[str]):
        self.changeable = changeable
        self.parent = {id(c): p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
        self.names = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
        self.loops = [n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.While))]
        self.grads = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
        # name -> the names its bindings read: a graph's leaves are among what it was made of
        self.made_of: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                source = node.iter if isinstance(node, ast.For) else node.value
                read = (
                    {n.id for n in ast.walk(source) if isinstance(n, ast.Name)} if source else set()
                )
                for target in targets:
                    for n in ast.walk(target):
                        if isinstance(n, ast.Name):
                            self.made_of.setdefault(n.id, set()).update(read)

    def _closure(self, names: set[str]) -> set[str]:
        found, todo = set(), list(names)
        while todo:
            name = todo.pop()
            if name not in found:
                found.add(name)
                todo += self.made_of.get(name, ())
        return found

    def exposed(self, stmt, removed: set[int]) -> bool:
        """Can code that stays (not in `removed`, node ids) reach what `stmt` fills?"""
        mine = {id(n) for n in ast.walk(stmt)}
        again = set()  # what runs again after the statement: the loops around it
        for loop in self.loops:
            inside = {id(n) for n in ast.walk(loop)}
            if id(stmt) in inside:
                again |= inside

        def later(node) -> bool:
            if id(node) in mine or id(node) in removed:
                return False
            return node.lineno > stmt.end_lineno or id(node) in again

        if any(a.attr == "grad" and later(a) for a in self.grads):  # a gradient read after it
            return True
        # The gradients land on the leaves of what it reads: anything that was made of.
        roots = self._closure({n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)})
        roots &= self.changeable  # not a module, a function or a constant
        for name in self.names:
            if name.id not in roots or not isinstance(name.ctx, ast.Load) or not later(name):
                continue
            use = self.parent.get(id(name))
            if isinstance(use, ast.Attribute) and use.attr in _GRADLESS_USES:
                continue
            return True
        return False


class Remove(ast.NodeTransformer):
    def __init__(self, ids: set[int]):
        self.ids = ids

    def generic_visit(self, node):
        super().generic_visit(node)
        return node

    def visit(self, node):
        if id(node) in self.ids:
            return ast.Pass()
        return super().visit(node)


def blank_table_columns(tree, hidden: set[int], candidates: set[str]) -> None:
    """`for x, want in [(1, 2.0), ...]:` (or over a name bound to such a literal): the columns
    whose loop names are only expected values become None in the literal, so the answers in a
    table of cases never reach the student's kernel."""
    data = data_names(tree)
    literals = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and node.lineno in hidden
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            literals.setdefault(node.targets[0].id, []).append(node.value)
    for loop in ast.walk(tree):
        if not (
            isinstance(loop, ast.For)
            and loop.lineno in hidden
            and isinstance(loop.target, ast.Tuple)
            and all(isinstance(e, ast.Name) for e in loop.target.elts)
        ):
            continue
        if isinstance(loop.iter, (ast.List, ast.Tuple)):
            tables = [loop.iter]
        elif isinstance(loop.iter, ast.Name) and len(literals.get(loop.iter.id, [])) == 1:
            name = loop.iter.id
            reads = [
                n
                for n in ast.walk(tree)
                if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
            ]
            if len(reads) != 1:  # the table is read elsewhere too: leave it
                continue
            tables = literals[name]
        else:
            continue
        names = [e.id for e in loop.target.elts]
        read_elsewhere = {
            n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        }
        blank = [i for i, n in enumerate(names) if n in candidates and n not in read_elsewhere]
        if not blank or not all(n in data for n in names):
            continue
        for table in tables:
            rows = table.elts
            if not all(isinstance(r, ast.Tuple) and len(r.elts) == len(names) for r in rows):
                continue
            for row in rows:
                for i in blank:
                    row.elts[i] = ast.Constant(None)
