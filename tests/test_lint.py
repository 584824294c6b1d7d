"""ruff (configured in pyproject.toml) passes on the book's Python: helpers, grading, tools,
tests and benchmarks, and the code is formatted as `ruff format` writes it. To fix:
`./dlbook python -m ruff check --fix . && ./dlbook python -m ruff format .`"""

import subprocess
import sys

from tools.build import ROOT


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_ruff_check_passes():
    done = _ruff("check")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_the_code_is_formatted():
    done = _ruff("format", "--check")
    assert done.returncode == 0, (
        "run `./dlbook python -m ruff format .`:\n" + done.stdout[-4000:] + done.stderr[-2000:]
    )
