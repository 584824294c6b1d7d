"""The book's nbgrader preprocessors, one per file, named for the class it holds.

    check_submission.py     CheckSubmission      sanitize: is the notebook whole? (flags)
    grading_execute.py      GradingExecute       run it: sandboxed kernel, tests record values
    compare_records.py      CompareRecords       the verdict, in the grader's process
    record_flags.py         RecordFlags          last: grading_flags.json, needs-manual-grade
    redact_hidden_tests.py  RedactHiddenTests    feedback without the hidden tests
    sanitize_outputs.py     SanitizeOutputs      no script of the student's in any page (nh3),
                            SanitizedHTMLExporter  and the feedback page cleaned as a whole
    pipeline.py             where each goes in nbgrader's own pipelines (nbgrader_config.py)

They use the verdict (grading/verdict/) and the flags (grading/flags.py); nothing here imports
the batch, the command line or the report.
"""
