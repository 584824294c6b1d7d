"""Answers to the "by hand" exercises of chapters 01, 02 and 04 (ch01's norms, ch02's
newton_sqrt, ch04's MySequential): the forbidden routes and honest variants that
tests/test_by_hand_rules.py runs in-process and tests/test_grading_by_hand_rules.py grades with
real nbgrader.

FORBIDDEN: (grade_id, the route, the answer cell's source, what the visible test's message must
say); most of them passed the visible and the hidden tests before the guard. HONEST: (grade_id,
how it differs from the solution, the source): full marks and no flag.
"""


def _norms(l1: str, l2: str, frobenius: str, head: str = "") -> str:
    return (
        f"{head}def l1_norm(x):\n    return {l1}\n\n"
        f"def l2_norm(x):\n    return {l2}\n\n"
        f"def frobenius_norm(X):\n    return {frobenius}\n"
    )


def _newton(body: str, head: str = "") -> str:
    return f"{head}def newton_sqrt(a, tol=1e-12):\n" + "".join(
        f"    {line}\n" for line in body.splitlines()
    )


# MySequential with the solution's __init__ and the given class-body lines after it.
_ADD_MODULES = """class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)
"""
_CHILDREN_METHODS = """
    def __getitem__(self, i):
        return list(self.children())[i]

    def __len__(self):
        return len(self._modules)
"""
BORROWED_INIT = (
    """Seq = nn.Sequential


class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        Seq.__init__(self, *modules)

    def forward(self, x):
        for m in self.children():
            x = m(x)
        return x
"""
    + _CHILDREN_METHODS
)
BORROWED_METHODS = (
    _ADD_MODULES
    + """
    forward = nn.Sequential.forward
    __getitem__ = nn.Sequential.__getitem__
    __len__ = nn.Sequential.__len__
"""
)
BUILT_IN_FORWARD = (
    _ADD_MODULES
    + """
    def forward(self, x):
        return nn.Sequential(*self.children())(x)
"""
    + _CHILDREN_METHODS
)
BY_SETATTR = """class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            setattr(self, str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)
"""

# (grade_id, the route, the answer cell, what the visible test's message must say)
FORBIDDEN = [
    ("norms_by_hand", "torch.linalg's norms",
     _norms("torch.linalg.vector_norm(x, ord=1)", "torch.linalg.vector_norm(x)",
            "torch.linalg.matrix_norm(X)"),
     "called torch.linalg.vector_norm. Write the norm from its definition"),
    ("norms_by_hand", "torch.norm and Tensor.norm",
     _norms("torch.norm(x, p=1)", "x.norm()", "X.norm()"), "is to be written by hand"),
    ("norms_by_hand", "a reference saved in the answer cell",
     _norms("x.abs().sum()", "_vector_norm(x)", "_vector_norm(X.flatten())",
            head="import torch\n_vector_norm = torch.linalg.vector_norm\n"),
     "reached the library routine aten.linalg_vector_norm"),
    ("norms_by_hand", "torch.dist to the origin",
     _norms("x.abs().sum()", "torch.dist(x, torch.zeros_like(x))", "(X ** 2).sum().sqrt()"),
     "called torch.dist"),
    ("newton_sqrt", "a ** 0.5", _newton("return a ** 0.5"), "fractional power (aten.pow)"),
    ("newton_sqrt", "torch.sqrt, one step from the exact root (right value, right gradient)",
     _newton("r = a.detach().sqrt()\nreturn (r + a / r) / 2"), "called Tensor.sqrt"),
    ("newton_sqrt", "exp(log(a) / 2)", _newton("return torch.exp(torch.log(a) / 2)"),
     "called torch.log"),
    ("newton_sqrt", "a saved torch.sqrt", _newton("return _root(a) * 1.0",
                                                  head="_root = torch.sqrt\n"),
     "reached the library routine aten.sqrt"),
    ("newton_sqrt", "math.sqrt of each entry, then one Newton step (no torch root at all)",
     _newton("r = torch.tensor([math.sqrt(v) for v in a.tolist()], dtype=a.dtype)\n"
             "return (r + a / r) / 2", head="import math\n"),
     "an exact 3 means the answer did not run the loop"),
    ("my_sequential", "a subclass of nn.Sequential", "class MySequential(nn.Sequential):\n    pass\n",
     "MySequential subclasses nn.Sequential"),
    ("my_sequential", "nn.Sequential's __init__ borrowed through a saved reference", BORROWED_INIT,
     "ran the library's Sequential.__init__ (container.py). Derive MySequential from nn.Module"),
    ("my_sequential", "nn.Sequential's methods borrowed", BORROWED_METHODS,
     "ran the library's Sequential"),
    ("my_sequential", "an nn.Sequential built in forward", BUILT_IN_FORWARD,
     "called torch.nn.Sequential"),
]  # fmt: skip

HONEST = [
    ("norms_by_hand", "sqrt of a dot product, powers",
     _norms("torch.sum(torch.abs(x))", "(x @ x) ** 0.5", "X.square().sum() ** 0.5")),
    ("norms_by_hand", "einsum and torch.sqrt",
     _norms("x.abs().sum()", "torch.sqrt(torch.sum(x * x))",
            "torch.einsum('ij,ij->', X, X).sqrt()")),
    ("newton_sqrt", "r ** 2 and 0.5 * (...)",
     _newton("r = (1 + a) / 2\nwhile ((r ** 2 - a).abs() > tol * a).any():\n"
             "    r = 0.5 * (r + a / r)\nreturn r")),
    ("newton_sqrt", "a loop that breaks, torch.any and torch.abs",
     _newton("r = (1 + a) / 2\nwhile True:\n    if not torch.any(torch.abs(r * r - a) > tol * a):\n"
             "        break\n    r = (r + a / r) / 2\nreturn r")),
    ("my_sequential", "setattr and _modules", BY_SETATTR),
]  # fmt: skip
