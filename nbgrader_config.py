"""nbgrader settings for the dlbook course (read by every `nbgrader` command run from here).

Grading lives in the `grading` package (its map is in grading/__init__.py). Everything that
protects grading is configured here, so a TA's plain `nbgrader autograde` run from the course
folder gets the same sandbox and verdict as `./dlbook autograde`.
"""

import os
import sys

import nbgrader

# The book's packages (`grading`, `helpers`) live next to this file.
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from grading.preprocessors.pipeline import (
    FEEDBACK_EXPORTER,
    autograde_preprocessors,
    feedback_preprocessors,
    sanitize_preprocessors,
)

c = get_config()  # noqa: F821 -- provided by traitlets when it executes this file

c.CourseDirectory.course_id = "dlbook"
c.CourseDirectory.root = HERE

# Per-cell limit while grading. Every graded cell runs in a few seconds on a 2-core CPU under
# autograde (chapters shrink their training when NBGRADER_EXECUTION is set), so 60 s is >10x
# headroom for a slow grading machine, yet an accidental infinite loop costs one minute, not
# nbgrader's 30 s default that a cold kernel importing torch on a busy server can exceed.
# Past it the kernel is restarted and only that cell loses its points
# (grading/preprocessors/grading_execute.py).
c.Execute.timeout = 60
# Beside the per-cell limit, the whole notebook's budget: max(floor, factor x the solution's own
# run time), past which the rest is not run, what ran is graded and the TA is flagged; and what
# a cell / the notebook may hold in outputs, every message type counted (updates included).
# grading/preprocessors/time_budget.py and output_caps.py say why these values.
c.GradingExecute.time_budget_floor = 120.0  # seconds
c.GradingExecute.time_budget_factor = 10.0
c.GradingExecute.max_output_bytes = 1_000_000  # per cell
c.GradingExecute.max_notebook_bytes = 5_000_000
# Each grading kernel starts inside the sandbox (grading/sandbox/; bubblewrap on Linux).
c.Execute.kernel_manager_class = "grading.sandbox.kernel_manager.SandboxedKernelManager"
# Before any cell runs, the kernel gets `__dlbook_record__`, which test cells (rewritten by the
# grader) use to send the values they check out of the kernel; warnings go to stdout.
c.Execute.extra_arguments = [
    "--HistoryManager.hist_file=:memory:",
    "--IPKernelApp.exec_lines=import grading.verdict.recorder as _r; _r.install(); del _r",
]

# Late submissions, nbgrader's conventions (grading/handin/late.py): the deadline is the
# assignment's duedate in the gradebook (`nbgrader db assignment add 01_tensors --duedate=...`),
# a submission's time its timestamp.txt (written by nbgrader submit, and by ./dlbook collect
# from a Blackboard attempt); the penalty is the instructor's setting here.
c.AssignLatePenalties.plugin_class = "grading.handin.late.PerDayPenalty"
c.PerDayPenalty.percent_per_day = 0.0  # e.g. 10: each started day late costs 10% of the score
c.PerDayPenalty.grace_minutes = 0.0
c.PerDayPenalty.zero_after_days = 0.0  # e.g. 7: more than a week late scores zero

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# nbgrader's default pipelines: a check of the notebook's structure first; Execute replaced by the sandboxed, recording one, the
# verdict right after it and the TA's flags at the end (grading/preprocessors/pipeline.py).
c.Autograde.sanitize_preprocessors = sanitize_preprocessors()
c.Autograde.autograde_preprocessors = autograde_preprocessors()

# Feedback shows students their scores and the visible tests, never the hidden ones: neither
# their source nor anything printed or raised while they ran.
c.GenerateFeedback.preprocessors = feedback_preprocessors()
# Nothing a student wrote runs in the browser of whoever opens the page: the finished page is
# cleaned with nh3 and keeps only the template's styles (grading/preprocessors/sanitize_outputs.py;
# the graded notebook the formgrader shows was cleaned at the end of autograde).
c.GenerateFeedback.exporter_class = FEEDBACK_EXPORTER
# The book's feedback template (grading/templates/dlbook_feedback/: exercise names in the
# contents, long lines wrapped), on top of nbgrader's own. Set on the exporter's class, so it
# wins over the HTMLExporter settings nbgrader makes for its template and touches nothing else.
# (Paths spelled here, not imported: every nbgrader command reads this file.)
_NBGRADER_UI = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
c.SanitizedHTMLExporter.template_name = "dlbook_feedback"
c.SanitizedHTMLExporter.extra_template_basedirs = [
    os.path.join(HERE, "grading", "templates"),
    os.path.join(_NBGRADER_UI, "templates"),
]
# Where `extends 'feedback/index.html.j2'` finds nbgrader's page, and (as nbgrader sets it for
# its own template) the Bootstrap CSS the page inlines.
c.SanitizedHTMLExporter.extra_template_paths = [
    os.path.join(_NBGRADER_UI, "templates"),
    os.path.join(_NBGRADER_UI, "static", "node_modules", "bootstrap", "dist", "css"),
]
