"""An unfinished exercise's test cell says so in one line, not in a red traceback.

A stub answer raises `NotImplementedError()`, which IPython shows as a traceback ending in a
bare "NotImplementedError:". For the test cell now running, `explain_unfinished(shell)` makes
IPython show that error as one line naming the function still to write. It is still an error
output (ename NotImplementedError), so the cell still fails: nbgrader gives it 0 points, Run
All goes on past it (test cells are tagged raises-exception) and the self-check and the grader's
report still read it as "not attempted".

`isolate()` (helpers/isolation.py), the first line of every test cell, calls it; the handler is
IPython's `set_custom_exc` and is taken off again when the cell ends, so the student's own
cells keep IPython's ordinary tracebacks.
"""

NOT_ATTEMPTED = (
    "Not attempted yet: {what} still raises NotImplementedError. Write your answer in its "
    "cell above, run that cell, then run this test again (0 points until it passes)."
)


def unfinished_function(tb) -> str:
    """'corr2d()' for the function that raised at the end of traceback `tb`, or a phrase."""
    last = None
    while tb is not None:
        last, tb = tb, tb.tb_next
    if last is None:
        return "this exercise"
    code = last.tb_frame.f_code
    name = getattr(code, "co_qualname", code.co_name)  # 'Conv.forward' on Python 3.11+
    return "this exercise" if name.startswith("<") else f"{name}()"


def _one_line(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython's custom-exception handler: show the error with a one-line traceback."""
    stb = [NOT_ATTEMPTED.format(what=unfinished_function(tb))]
    # IPython leaves the showing to the handler; `_showtraceback` is what its own tracebacks
    # go through (in ipykernel: the error output, with ename and evalue, that nbgrader reads).
    shell._showtraceback(etype, value, stb)
    return stb


def explain_unfinished(shell) -> None:
    """Show a NotImplementedError raised in the cell now running as one line (see above)."""
    if not hasattr(shell, "set_custom_exc"):  # not an IPython shell (a test's stand-in)
        return
    before = (shell.custom_exceptions, shell.CustomTB)
    if before[0]:  # someone else's handler is in place: leave it alone
        return
    shell.set_custom_exc((NotImplementedError,), _one_line)

    def restore(*_):
        shell.events.unregister("post_run_cell", restore)
        shell.custom_exceptions, shell.CustomTB = before

    shell.events.register("post_run_cell", restore)
