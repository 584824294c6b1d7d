"""ruff (configured in pyproject.toml) passes on the book's Python: helpers, grading, tools,
tests and benchmarks. Run `./dlbook python -m ruff check --fix .` to fix what it can."""
import subprocess
import sys

from tools.build import ROOT


def test_ruff_passes():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
