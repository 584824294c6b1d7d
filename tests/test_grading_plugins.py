"""The tamper scan flags code that rebinds what tests rely on, and leaves ordinary code alone."""
import pytest

from tools.grading_plugins import tampering

EXPLOITS = [
    "check_close = lambda *a, **k: None",
    "def check_close(*args):\n    pass",
    "torch.allclose = lambda *a, **k: True",
    "import numpy as torch",
    "setattr(torch, 'allclose', lambda *a, **k: True)",
    "import torch.nn as nn\nnn.functional.relu = abs",
    "import builtins\nbuiltins.len = lambda x: 3",
    "import importlib\nimportlib.import_module('helpers.checks').check_close = print",
    "t = torch\nt.equal = lambda *a: True",
    "exec('check_close = print')",
    "get_ipython().events.register('pre_run_cell', lambda *a: None)",
    "import sys\nsys.modules['helpers.checks'] = None",
    "AssertionError = Warning",
    "helpers.checks.verify_untouched = lambda: None",
]

ORDINARY = [
    "%pip install -q something\ny = np.arange(3)",
    "X += Y\nX[:] = X + Y\nbefore = id(X)",
    "import numpy as np\nimport torch.nn.functional as F\nfrom torch import nn",
    ("class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.w = nn.Parameter(torch.zeros(3))\n        setattr(self, 'b', nn.Linear(2, 2))"),
    "with torch.no_grad():\n    w1 -= lr * w1.grad\n    w1.grad.zero_()\nw.data = w.data * 2",
    "def normalize_rows(X):\n    return X / X.sum(dim=1, keepdim=True)",
    "this is not python (",
]


@pytest.mark.parametrize("source", EXPLOITS)
def test_exploits_are_flagged(source):
    assert tampering(source), source


@pytest.mark.parametrize("source", ORDINARY)
def test_ordinary_code_is_not_flagged(source):
    assert tampering(source) == []


def test_the_report_names_the_line():
    assert tampering("x = 1\ntorch.allclose = None") == ["line 2: assigns to `torch.allclose`"]
