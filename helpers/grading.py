"""Set-up for the kernel that `nbgrader autograde` runs a submission in.

nbgrader_config.py makes the grading kernel call `prepare_grading_kernel()` before the first
cell. It is never called in a student's own session.
"""
import sys
import warnings


def _warning_to_stdout(message, category, filename, lineno, file=None, line=None):
    # nbgrader gives a test cell zero points for *any* stderr output, so a harmless warning
    # raised by a student's function while a test calls it would cost full marks.
    sys.stdout.write(warnings.formatwarning(message, category, filename, lineno, line))


def prepare_grading_kernel() -> None:
    """Route warnings to stdout and record the functions that the tests rely on."""
    warnings.showwarning = _warning_to_stdout
    from . import checks

    checks.record_trusted_functions()
