"""The verdict: how a test cell's outcome is decided outside the student's process.

    kinds.py      the checks a test cell may call (helpers.checks) and what each records
    cells.py      which cells are graded tests, where their hidden part is (nbgrader's delimiters)
    rewrite.py    a test cell rewritten so each check *records* the student's value
    expected.py   which hidden statements only make expected values (never run in the kernel)
    recorder.py   the kernel side: `__dlbook_record__` sends a value out as plain JSON
    records.py    the records, read and compared in the grader's process (NumPy, no torch)
    reference.py  the instructor's solution's records, computed once and cached

Imports run one way: kinds and recorder first, then records, cells, expected, rewrite,
reference. The nbgrader preprocessors that use them are in grading/preprocessors/. recorder.py runs inside the
sandboxed kernel, so this package's __init__ imports nothing.
"""
