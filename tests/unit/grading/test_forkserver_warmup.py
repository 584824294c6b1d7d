"""grading.forkserver_warmup: the warm-up really renders a page with nbgrader's feedback template
(a failure at import is swallowed, so only calling it shows a broken one), and a failing warm-up
never stops the forkserver importing it. What the warm-up saves: nbgrader_process.py's docstring."""

import subprocess
import sys

import pytest

from grading import nbgrader_process
from tools.build import ROOT


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False,
        timeout=120,
    )  # fmt: skip


def test_the_forkserver_preloads_it():
    assert "grading.forkserver_warmup" in nbgrader_process.PRELOAD


def test_the_warm_up_renders_a_feedback_page():
    from grading.forkserver_warmup import warm_up

    warm_up()  # raises if nbgrader's feedback template or its folders moved


def test_a_failing_warm_up_only_loses_the_head_start():
    done = _python(
        "import sys; sys.modules['nbformat'] = None\n"  # warm_up's first import now fails
        "import grading.forkserver_warmup\n"
        "print('imported')"
    )
    assert (done.returncode, done.stdout) == (0, "imported\n"), done.stderr[-2000:]


@pytest.mark.slow
def test_importing_it_leaves_the_work_done_for_every_fork():
    """In a fresh process (this one has nbgrader set up already): after the import, nbgrader's
    gradebook mappers are configured and the lexers and exporter a feedback page needs loaded."""
    done = _python(
        "import sys\n"
        "import grading.forkserver_warmup\n"
        "import nbgrader.api\n"
        "print(nbgrader.api.Grade.__mapper__.configured,\n"
        "      'pygments.lexers.python' in sys.modules, 'nbconvert.exporters.html' in sys.modules)"
    )
    assert done.stdout.split() == ["True", "True", "True"], done.stderr[-2000:]
