"""nbgrader's own autograde pipeline with the book's steps put in (not a hand copy of it).

sanitize: CheckSubmission (flags a broken notebook) -> nbgrader's defaults (restore tests)
-> GradingExecute (sandboxed kernel, tests record values)  -> CompareRecords (verdict)
-> nbgrader's remaining defaults (..., SaveAutoGrades, ...) -> RecordFlags
"""

from nbgrader.converters import Autograde

EXECUTE = "nbgrader.preprocessors.execute.Execute"


def _name(pp) -> str:
    return pp if isinstance(pp, str) else f"{pp.__module__}.{pp.__name__}"


def nbgrader_default() -> list[str]:
    return [_name(p) for p in Autograde.class_traits()["autograde_preprocessors"].default()]


def sanitize_preprocessors() -> list[str]:
    steps = [_name(p) for p in Autograde.class_traits()["sanitize_preprocessors"].default()]
    return ["grading.submission_check.CheckSubmission"] + steps


def autograde_preprocessors() -> list[str]:
    steps = nbgrader_default()
    if EXECUTE not in steps:
        raise RuntimeError(
            f"nbgrader's autograde pipeline has no {EXECUTE}: {steps}; "
            "update grading/pipeline.py for this nbgrader version"
        )
    at = steps.index(EXECUTE)
    return (
        steps[:at]
        + ["grading.execute.GradingExecute", "grading.verdict.CompareRecords"]
        + steps[at + 1 :]
        + ["grading.flags.RecordFlags"]
    )
