"""A message from the student's kernel to the grader: "a TA should look at this cell".

While nbgrader grades a notebook, `flag_for_grader(kind, reason)` writes display data of the
private MIME type `FLAG_MIME` holding `{"kind", "reason"}` into the running cell's outputs;
grading/preprocessors/kernel_flags.py takes it out of the notebook and turns it into a flag for
the TA (grading/flags.py). In a student's own run it writes nothing. Standard library only: the
grader imports `FLAG_MIME` without torch.
"""

from helpers.runtime import is_autograding

FLAG_MIME = "application/vnd.dlbook.flag+json"


def flag_for_grader(kind: str, reason: str) -> None:
    """Leave a flag for the TA in the graded notebook; nothing outside autograding."""
    if not is_autograding():
        return
    try:
        from IPython.display import publish_display_data
    except ImportError:
        return
    publish_display_data(
        {FLAG_MIME: {"kind": kind, "reason": reason[:500]}, "text/plain": "<grading flag>"}
    )
