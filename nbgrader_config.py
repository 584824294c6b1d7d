"""nbgrader settings for the dlbook course (read by every `nbgrader` command run from here)."""
import os
import sys

# The grading plug-ins live in this repository's `tools` package.
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

c = get_config()  # noqa: F821 -- provided by traitlets when it executes this file

c.CourseDirectory.course_id = "dlbook"
c.CourseDirectory.root = HERE

# Per-cell limit while grading. Every graded cell runs in a few seconds on a 2-core CPU under
# autograde (chapters shrink their training when NBGRADER_EXECUTION is set), so 60 s is >10x
# headroom for a slow grading machine, yet an accidental infinite loop costs one minute, not
# nbgrader's 30 s default that a cold kernel importing torch on a busy server can exceed.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# Before any cell runs, the grading kernel sends Python warnings to stdout (nbgrader scores
# any stderr output in a test cell as a failure) and records the test functions it guards
# against tampering. nbgrader's own default for Python kernels is kept.
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--IPKernelApp.exec_lines=import helpers.grading as _g; _g.prepare_grading_kernel(); del _g",
]

# Tests are always restored from the instructor's source before grading (nbgrader's
# OverwriteCells does this for every locked cell and every test cell).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# After the kernel finishes, submissions whose code rebinds what the tests rely on
# (`check_close = ...`, `torch.allclose = ...`, `setattr(...)`, `exec(...)`) get no points for
# any test: see tools/grading_plugins.py. The rest is nbgrader's default pipeline.
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute",
    "tools.grading_plugins.RefuseTampering",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback shows students their scores and the visible tests, never the hidden ones: neither
# their source nor the tracebacks of failed hidden asserts.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "tools.grading_plugins.RedactHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
