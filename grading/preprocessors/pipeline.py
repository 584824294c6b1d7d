"""nbgrader's own pipelines with the book's steps put in (not a hand copy of them).

autograde, sanitize stage:  CheckSubmission (flags a broken notebook) -> nbgrader's defaults
autograde stage:            SourceScan (flags introspection in the student's source)
                            -> GradingExecute (sandboxed kernel, tests record values)
                            -> CompareRecords (verdict) -> KernelFlags (the by-hand guards'
                            flags) -> nbgrader's remaining defaults
                            (..., SaveAutoGrades, ...) -> SanitizeOutputs -> RecordFlags
generate_feedback:          GetGrades -> RedactHiddenTests -> SanitizeOutputs -> nbconvert's
                            CSS header; the page written by SanitizedHTMLExporter

nbgrader_config.py sets these lists, so a TA's plain `nbgrader autograde` gets them too.
"""

from nbgrader.converters import Autograde

EXECUTE = "nbgrader.preprocessors.execute.Execute"
# By name, as nbgrader's config takes them: every nbgrader command reads nbgrader_config.py,
# and most need none of these (tests/unit/grading/test_pipeline.py imports each one).
HERE = "grading.preprocessors"
CHECK_SUBMISSION = f"{HERE}.check_submission.CheckSubmission"
GRADING_EXECUTE = f"{HERE}.grading_execute.GradingExecute"
COMPARE_RECORDS = f"{HERE}.compare_records.CompareRecords"
RECORD_FLAGS = f"{HERE}.record_flags.RecordFlags"
SOURCE_SCAN = f"{HERE}.source_scan.SourceScan"
KERNEL_FLAGS = f"{HERE}.kernel_flags.KernelFlags"
REDACT_HIDDEN_TESTS = f"{HERE}.redact_hidden_tests.RedactHiddenTests"
SANITIZE_OUTPUTS = f"{HERE}.sanitize_outputs.SanitizeOutputs"
NAME_GRADED_CELLS = "grading.feedback_page.NameGradedCells"  # the page's contents: exercise names
RENDER_MATH = "grading.feedback_page.RenderMath"  # $...$ as MathML, no CDN
FEEDBACK_EXPORTER = f"{HERE}.sanitize_outputs.SanitizedHTMLExporter"


def _name(pp) -> str:
    return pp if isinstance(pp, str) else f"{pp.__module__}.{pp.__name__}"


def nbgrader_default() -> list[str]:
    return [_name(p) for p in Autograde.class_traits()["autograde_preprocessors"].default()]


def sanitize_preprocessors() -> list[str]:
    steps = [_name(p) for p in Autograde.class_traits()["sanitize_preprocessors"].default()]
    return [CHECK_SUBMISSION] + steps


def autograde_preprocessors() -> list[str]:
    steps = nbgrader_default()
    if EXECUTE not in steps:
        raise RuntimeError(
            f"nbgrader's autograde pipeline has no {EXECUTE}: {steps}; "
            "update grading/preprocessors/pipeline.py for this nbgrader version"
        )
    at = steps.index(EXECUTE)
    return (
        steps[:at]
        + [SOURCE_SCAN, GRADING_EXECUTE, COMPARE_RECORDS, KERNEL_FLAGS]
        + steps[at + 1 :]
        + [SANITIZE_OUTPUTS, RECORD_FLAGS]
    )


def feedback_preprocessors() -> list[str]:
    """What generate_feedback runs: scores, the hidden tests redacted, what the student wrote
    cleaned (again: a notebook graded before this step existed), the page's CSS."""
    return [
        "nbgrader.preprocessors.GetGrades",
        REDACT_HIDDEN_TESTS,
        SANITIZE_OUTPUTS,
        NAME_GRADED_CELLS,
        RENDER_MATH,
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]
