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
