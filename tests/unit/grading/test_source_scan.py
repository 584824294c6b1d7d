"""grading.source_scan: every route to test-time objects or around a guard is named with its
line; honest code, every chapter's solutions and the honest crafted submissions flag nothing."""

import nbformat
import pytest

from grading.preprocessors.source_scan import findings
from grading.source_scan import GUARD, HIDDEN, INTROSPECTION, PATCH, imports_of, scan
from tests.crafted import HONEST
from tools.build import ROOT

# What a chapter's first cell binds; answers resolve `F`, `nn`, `torch` through it.
NOTEBOOK = imports_of(
    [
        (
            "import sys\nimport torch\nimport torch.nn.functional as F\nfrom torch import nn\n"
            "from helpers.checks import case, check_close\n"
            "from helpers.by_hand import by_hand, forbid_builtins"
        )
    ]
)

# (source, the line flagged, its reason, a name the finding must mention)
ROUTES = [
    ("def f(x):\n    return sys._getframe(1).f_locals['want']", 2, INTROSPECTION, "_getframe"),
    ("import inspect\ndef f():\n    return inspect.stack()[1]", 3, INTROSPECTION, "inspect.stack"),
    ("from inspect import currentframe as cf\nx = cf()", 1, INTROSPECTION, "currentframe"),
    ("def f():\n    return globals()['got_slide']", 2, INTROSPECTION, "globals"),
    ("def f():\n    return vars()['x']", 2, INTROSPECTION, "vars()"),
    ("import __main__\nx = __main__.want", 1, INTROSPECTION, "__main__"),
    ("x = vars(sys.modules['__main__'])", 1, INTROSPECTION, "sys.modules"),
    ("ns = get_ipython().user_ns", 1, INTROSPECTION, "get_ipython"),
    ("%who", 1, INTROSPECTION, "%who"),
    ("print(In[-1])", 1, INTROSPECTION, "In"),
    ("import gc\nxs = gc.get_objects()", 2, INTROSPECTION, "gc.get_objects"),
    ("import gc as g\nxs = g.get_referrers(1)", 2, INTROSPECTION, "gc.get_referrers"),
    ("def f(g):\n    return g.__globals__['leaf']", 2, INTROSPECTION, "__globals__"),
    (
        "try:\n    1/0\nexcept Exception as e:\n    fr = e.__traceback__.tb_frame",
        4,
        INTROSPECTION,
        "tb_frame",
    ),
    ("import ctypes", 1, INTROSPECTION, "ctypes"),
    ("import builtins\nbuiltins.isinstance = lambda *a: True", 1, PATCH, "builtins"),
    ("__builtins__.len = None", 1, PATCH, "__builtins__"),
    ("F.conv2d = lambda *a: None", 1, PATCH, "torch.nn.functional.conv2d"),
    ("import helpers.checks as hc\nhc.check_close = print", 2, PATCH, "helpers.checks"),
    ("check_close = print", 1, GUARD, "check_close"),
    (
        "def f(x):\n    with torch.inference_mode(False):\n        return x",
        2,
        GUARD,
        "inference_mode(False)",
    ),
    (
        "def f(x, on=False):\n    with torch.inference_mode(mode=on):\n        return x",
        2,
        GUARD,
        "inference_mode(False)",
    ),
    ("from torch.utils._python_dispatch import _pop_mode\n", 1, GUARD, "_pop_mode"),
    ("with torch._C._DisableTorchDispatch():\n    pass", 1, GUARD, "_DisableTorchDispatch"),
    ("m = getattr(torch, '_C')\nm._ExcludeDispatchKeyGuard", 2, GUARD, "_ExcludeDispatchKeyGuard"),
    ("from torch.overrides import TorchFunctionMode", 1, GUARD, "torch.overrides"),
    ("import helpers.by_hand as bh\n", 1, GUARD, "helpers.by_hand"),
    ("forbid_builtins.__exit__ = None", 1, PATCH, "forbid_builtins"),
    ("import threading\nthreading.Thread(target=print).start()", 1, GUARD, "threading"),
    ("eval('1 + 1')", 1, HIDDEN, "eval"),
    ("name = '_' + 'C'\nm = getattr(torch, name)", 2, HIDDEN, "<computed name>"),
    ("m = __import__('ct' + 'ypes')", 1, HIDDEN, "__import__"),
]

HONEST_CODE = [
    (
        "def corr2d(X, K):\n    k_h, k_w = K.shape\n    Y = torch.zeros(X.shape[0] - k_h + 1, 1)\n"
        "    for i in range(Y.shape[0]):\n        Y[i, 0] = (X[i:i + k_h, :k_w] * K).sum()\n"
        "    return Y"
    ),
    "import gc\ngc.collect()",
    "with torch.inference_mode():\n    y = 1",
    "with torch.no_grad(), torch.enable_grad():\n    y = 1",
    "In = 3\nOut = In + 1",  # the student's own names
    "def f(o):\n    return vars(o), getattr(o, 'weight'), setattr(o, 'bias', None)",
    "import math, importlib\nm = importlib.import_module('math')",
    "%timeit -n 1 -r 1 sum(range(10))\n%matplotlib inline",
    "torch.backends.cudnn.benchmark = True\ntorch.manual_seed(0)",
    "net = nn.Sequential(nn.Linear(2, 2))\nnet.eval()\nlist(net.modules())",
    "import numpy as np\nx = np.linspace(0, 1, 5)\nprint(sys.version)",
    "def sgd(params, grads, lr):\n    for p, g in zip(params, grads):\n        p.sub_(lr * g)",
]


@pytest.mark.parametrize(("source", "line", "why", "name"), ROUTES)
def test_each_route_is_named_with_its_line(source, line, why, name):
    found = scan(source, NOTEBOOK)
    assert any(f.line == line and f.why == why and name in f.name for f in found), found


@pytest.mark.parametrize("source", HONEST_CODE)
def test_honest_code_flags_nothing(source):
    assert scan(source, NOTEBOOK) == []


@pytest.mark.parametrize("name", sorted(HONEST))
def test_the_honest_crafted_submissions_flag_nothing(name):
    _, appended = HONEST[name]
    assert scan(appended, NOTEBOOK) == []


@pytest.mark.parametrize("path", sorted(ROOT.glob("source/*/*.ipynb")), ids=lambda p: p.parent.name)
def test_every_chapters_solutions_flag_nothing(path):
    """The instructor's notebook as a submission: its answer cells and, scanned as if a student
    had written them, all its unlocked cells too (instructor=None)."""
    nb = nbformat.read(path, as_version=4)
    assert findings(nb, nb) == []
    assert findings(nb, None) == []


def test_a_submission_is_flagged_on_the_answer_cell_and_an_added_cell():
    path = ROOT / "source" / "05_convolution" / "05_convolution.ipynb"
    instructor = nbformat.read(path, as_version=4)
    submitted = nbformat.read(path, as_version=4)
    answer = next(c for c in submitted.cells if c.metadata.get("nbgrader", {}).get("solution"))
    answer.source += "\nimport inspect\n_frames = inspect.stack()\n"
    submitted.cells.insert(3, nbformat.v4.new_code_cell("x = 1\n\nxs = globals()"))
    found = findings(submitted, instructor)
    gid = answer.metadata["nbgrader"]["grade_id"]
    lines = len(answer.source.rstrip("\n").split("\n"))
    assert (gid, f"answer cell {gid}, line {lines}: inspect.stack: {INTROSPECTION}") in found
    assert (None, f"cell 4 (not an answer cell), line 3: globals: {INTROSPECTION}") in found
    assert len(found) == 2  # `import inspect` alone is no finding
