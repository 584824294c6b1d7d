"""Grading a course: the TA's side of the book. `python -m grading autograde NN_slug`.

    cli.py              the command line: every `python -m grading <command>`; the only module
                        that turns errors into messages and exit statuses
    batch.py            many submissions: which need grading (resumable), several at once or on
                        a Dask cluster, the summary
    student.py          one submission: `nbgrader autograde --student S`, then its feedback
    nbgrader_process.py each nbgrader command forked from a process that imported it once
                        (forkserver_warmup.py warms that process up)
    preprocessors/      the steps nbgrader_config.py puts into nbgrader's own pipelines, one
                        per file: CheckSubmission, GradingExecute, CompareRecords, RecordFlags,
                        RedactHiddenTests (feedback), and pipeline.py (where each goes)
    verdict/            how a test's outcome is decided outside the student's kernel: kinds,
                        cells, rewrite, recorder (kernel side), records, reference
    sandbox/            every grading kernel in bubblewrap: bubblewrap, limits, kernel_manager
    flags.py            `Flag`: what a person must look at, and its file
    integrity.py        after grading: nothing else in the course changed
    report.py           the TA's CSVs, histogram and flagged list
    paths.py            where things are: folders, marker files, the gradebook's default URL

Imports go one way, down this list read from the bottom: paths, then flags, verdict and
sandbox, then preprocessors, then student, batch, report, and cli on top (a test walks them).
The grading kernel imports only verdict/recorder.py, so no __init__ here imports anything.
"""
