"""Hand-in from an LMS: a course's bulk download of uploaded notebooks -> `submitted/`.

Students working in Colab or on a laptop upload their `.ipynb` to the course's LMS; the TA
downloads everyone's files as one zip and runs

    ./dlbook collect 01_tensors submissions.zip      # = python -m grading collect ...

which puts each student's notebook at `submitted/<student>/01_tensors/01_tensors.ipynb`, where
`./dlbook autograde` grades it, and lists every file it could not place with what to do.

    shapes.py     the file names Canvas, Moodle and Blackboard give uploads in a bulk download
    archive.py    reading the download: nested zips, folders, junk, damaged or oversized files
    notebooks.py  what an uploaded file is: a notebook? of which chapter (by its graded cells)?
    roster.py     roster.csv: the course's student ids and their LMS ids and names
    collect.py    the command: choose each student's notebook, place it, keep the rest, report
    summary.py    what collect did with each file, and the TA's list it prints
    late.py       the late-penalty plugin nbgrader's autograde applies (the instructor's policy)

Nothing is dropped: the download is kept under `handin/<slug>/`, every file not placed is kept
there too, replaced notebooks are moved aside (never overwritten), and the TA's list of what
needs a person is printed and written to `reports/<slug>/handin.csv`.
"""
