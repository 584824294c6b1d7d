"""`import helpers` only defines names: no seeds, no rcParams, no heavy or plotting imports."""

import subprocess
import sys

from tools.build import ROOT

PROBE = r"""
import sys, torch, matplotlib
# dict.copy reads the raw values: rcParams["backend"] would import pyplot to resolve itself.
rc = dict.copy(matplotlib.rcParams)
rng = torch.get_rng_state().clone()
before = set(sys.modules)
import helpers
assert dict.copy(matplotlib.rcParams) == rc, "rcParams changed by import"
assert torch.equal(torch.get_rng_state(), rng), "torch RNG touched by import"
new = set(sys.modules) - before
heavy = [m for m in ("matplotlib.pyplot", "torchvision", "IPython", "pandas", "sklearn")
         if m in new]
assert not heavy, f"imported at import time: {heavy}"
print("clean")
"""


def test_import_has_no_side_effects():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "clean"
