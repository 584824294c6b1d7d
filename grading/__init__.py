"""Grading a course: the TA's side of the book, in pipeline order.

submitted   submission_check.py  is the notebook whole? (flags)
sandbox     sandbox.py, limits.py, kernel_manager.py   every grading kernel in bubblewrap
run         rewrite.py (tests record values), recorder.py (kernel side), execute.py
verdict     records.py (the data that crosses processes), reference.py (the solution's
            records), verdict.py (compare, in the grader's process)
gradebook   nbgrader's SaveAutoGrades; flags.py (needs-manual-grade + grading_flags.json);
            integrity.py (nothing else changed)
feedback    feedback.py (hidden tests redacted with nbgrader's delimiters)
dispatch    pipeline.py (nbgrader's pipeline with these steps), autograde.py (one student at
            a time: `python -m grading autograde NN_slug`), nbgrader_process.py (each
            nbgrader command forked from one that imported it), batch.py (many at once,
            resumable, Dask), course.py (paths)
report      report.py (the TA's CSVs, histogram and flagged list)
"""
