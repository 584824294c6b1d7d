"""Grades and feedback back to students: `./dlbook export NN_slug` (= python -m grading export).

After `./dlbook autograde`, one command writes `exports/<slug>/`:

    grades.csv           every student: raw score, late penalty, score, deadline, submission
                         time, status (ready / HOLD / no grade) and why
    nbgrader-grades.csv  nbgrader's own export (its CsvExportPlugin), for this assignment
    canvas.csv           Canvas's gradebook import (Grades > Import): ready students only
    moodle.csv           Moodle's grading worksheet (Upload grading worksheet): ready only
    held_back.csv        who is not in the upload files, why, and what to do first
    feedback/            one feedback file per ready student, and canvas-feedback.zip /
                         moodle-feedback.zip named so the LMS's bulk feedback upload matches them

A submission a person still has to look at (a flag from grading, a cell that needs a manual
grade, a grade older than the notebook in submitted/, an upload hand-in could not place) is
*held back*: it is in grades.csv marked HOLD, never in an upload file, so a TA cannot upload a
score nobody checked. Through the course server's exchange, `--release-feedback` releases
feedback to the ready students only (nbgrader's release_feedback).

    grades.py    the rows: gradebook, flags, late penalties, hand-in records, roster
    lms.py       the upload files: Canvas and Moodle CSVs, feedback files named for upload
    command.py   the command line
"""
