"""Shared test set-up: the repository root on the path of every kernel the tests start."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Kernels started by nbclient and by nbgrader inherit this, so notebooks can `import helpers`.
_path = os.environ.get("PYTHONPATH", "")
if str(ROOT) not in _path.split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), _path) if p)
