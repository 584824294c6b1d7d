"""helpers.runtime.limit_threads really limits PyTorch's and the BLAS libraries' thread pools.

Run in a fresh interpreter each time: thread pools are process-wide and would leak into other
tests. threadpoolctl reports the BLAS/OpenMP pools that are actually loaded, so the check reads
the libraries' own settings, not ours.
"""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROBE = r"""
import json, sys
import numpy as np, torch
from threadpoolctl import threadpool_info
import helpers
np.ones((64, 64)) @ np.ones((64, 64))  # make sure NumPy's BLAS is loaded and initialised
out = {}
for n in (1, 2):
    helpers.limit_threads(n)
    out[n] = {"torch": torch.get_num_threads(),
              "pools": {p["internal_api"]: p["num_threads"] for p in threadpool_info()}}
print(json.dumps(out))
"""


@pytest.mark.slow
def test_limit_threads_limits_torch_and_blas():
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}  # no OMP_NUM_THREADS from outside
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for n in ("1", "2"):
        assert result[n]["torch"] == int(n), result
        assert result[n]["pools"], f"no BLAS/OpenMP pool found to limit: {result}"
        assert set(result[n]["pools"].values()) == {int(n)}, result


TRAIN_PROBE = r"""
import json, os
import torch
import helpers
from helpers.runtime import available_cores
helpers.limit_threads(1)
out = {"cores": available_cores()}
with helpers.train_threads() as n:
    out["inside"], out["yielded"] = torch.get_num_threads(), n
out["after"] = torch.get_num_threads()
try:
    with helpers.train_threads():
        raise KeyError("a failing training cell")
except KeyError:
    out["after_error"] = torch.get_num_threads()
print(json.dumps(out))
"""


def _train_probe(**env) -> dict:
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("NBGRADER_EXECUTION",)}
    environ.pop("DLBOOK_TRAIN_THREADS", None)
    environ.update(env)
    done = subprocess.run(
        [sys.executable, "-c", TRAIN_PROBE],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_train_threads_uses_every_core_then_restores_the_limit():
    """A training cell gets every core the process may use; the one-thread limit is back after
    the block, also when the block fails."""
    out = _train_probe()
    assert out["inside"] == out["yielded"] == out["cores"], out
    assert out["after"] == 1 and out["after_error"] == 1, out


def test_train_threads_override_and_the_autograder():
    """DLBOOK_TRAIN_THREADS sets the count; under the autograder the limit stays as it was."""
    assert _train_probe(DLBOOK_TRAIN_THREADS="3")["inside"] == 3
    graded = _train_probe(DLBOOK_TRAIN_THREADS="3", NBGRADER_EXECUTION="autograde")
    assert graded["inside"] == 1 and graded["after"] == 1, graded
