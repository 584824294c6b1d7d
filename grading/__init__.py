"""Grading a course: the TA's side of the book (sandbox, verdict, gradebook, feedback, report).

The modules are laid out in pipeline order; see README.md's TA section.
"""
