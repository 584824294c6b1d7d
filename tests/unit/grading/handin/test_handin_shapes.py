"""grading/handin/shapes.py and notebooks.py: whose file, which chapter, from names alone."""

from datetime import datetime

import pytest

from grading.handin import notebooks, shapes

SLUGS = ["01_tensors", "02_autograd", "03_mlp_numpy", "04_training"]


def test_canvas_name_user_and_submission_ids():
    u = shapes.match(("doejane_12345_67890_01_tensors.ipynb",))
    assert (u.lms, u.key, u.name, u.ref, u.filename) == (
        "canvas", "12345", "doejane", "67890", "01_tensors.ipynb"
    )  # fmt: skip
    assert u.prefix == "doejane_12345_67890_" and not u.late and u.resubmission == 0


def test_canvas_late_flag_and_reupload_counter():
    u = shapes.match(("doejane_LATE_12345_67890_01_tensors-2.ipynb",))
    assert u.late and u.key == "12345" and u.name == "doejane"
    assert u.filename == "01_tensors.ipynb" and u.resubmission == 2
    assert u.prefix == "doejane_LATE_12345_67890_"


def test_canvas_upload_that_is_a_zip_of_folders_keeps_its_owner():
    u = shapes.match(("doejane_12345_67890_work.zip", "work", "01_tensors", "01_tensors.ipynb"))
    assert (u.lms, u.key, u.filename) == ("canvas", "12345", "01_tensors.ipynb")


@pytest.mark.parametrize(
    "parts",
    [
        ("Jane Doe_123456_assignsubmission_file_01_tensors.ipynb",),  # flat download
        ("Jane Doe_123456_assignsubmission_file_", "01_tensors.ipynb"),  # folders (Moodle >= 3.1)
    ],
)
def test_moodle_flat_and_folder_downloads(parts):
    u = shapes.match(parts)
    assert (u.lms, u.key, u.ref, u.filename) == ("moodle", "Jane Doe", "123456", "01_tensors.ipynb")
    assert u.prefix == "Jane Doe_123456_assignsubmission_file_"


def test_blackboard_attempt_time_and_username():
    u = shapes.match(("Chapter 1_jdoe_attempt_2027-01-15-16-59-03_01_tensors.ipynb",))
    assert (u.lms, u.key, u.filename) == ("blackboard", "jdoe", "01_tensors.ipynb")
    assert u.submitted_at == datetime(2027, 1, 15, 16, 59, 3)


def test_blackboard_receipt_names_a_username_with_an_underscore():
    receipt_name = "Chapter 1_j_doe_attempt_2027-01-15-16-59-03.txt"
    assert shapes.is_receipt_name(receipt_name)
    assert not shapes.is_receipt_name("Chapter 1_j_doe_attempt_2027-01-15-16-59-03_notes.txt")
    r = shapes.blackboard_receipt(receipt_name, "Name: Jane Doe (j_doe)\nAssignment: Chapter 1\n")
    u = shapes.match(("Chapter 1_j_doe_attempt_2027-01-15-16-59-03_01_tensors.ipynb",), {r.head: r})
    assert (u.key, u.name) == ("j_doe", "Jane Doe")


def test_a_folder_per_student_and_a_loose_file():
    assert shapes.match(("alice", "01_tensors.ipynb")).key == "alice"
    assert shapes.match(("01_tensors.ipynb",)) is None


@pytest.mark.parametrize(
    "filename, chapter",
    [
        ("01_tensors.ipynb", "01_tensors"),
        ("Copy of 01_tensors (1).ipynb", "01_tensors"),  # Colab copy, downloaded twice
        ("01_tensors-Copy1.ipynb", "01_tensors"),  # Jupyter's Duplicate
        ("01_tensors copy.ipynb", "01_tensors"),  # macOS Finder
        ("01_tensors-checkpoint.ipynb", "01_tensors"),
        ("Chapter 2.ipynb", "02_autograd"),
        ("my autograd homework.ipynb", "02_autograd"),
        ("Untitled.ipynb", None),
        ("01_vs_02.ipynb", None),  # names two chapters: the cells must decide
    ],
)
def test_chapter_from_a_renamed_file(filename, chapter):
    assert notebooks.chapter_from_name(filename, SLUGS) == chapter


def test_content_problems_say_what_the_file_is():
    chapters = {"01_tensors": {"a"}}
    assert "Python script" in notebooks.read(b"print(1)", "01_tensors.py", chapters).problem
    assert "printout" in notebooks.read(b"%PDF-1.4", "01_tensors.pdf", chapters).problem
    web = notebooks.read(b"<!DOCTYPE html><html>", "01_tensors.ipynb", chapters)
    assert web.problem == "a web page saved under a notebook's name, not a notebook"
    broken = notebooks.read(b'{"cells": [', "01_tensors.ipynb", chapters)
    assert broken.problem == "not a valid notebook: its JSON breaks at line 1, column 12"
    assert notebooks.read(b"", "01_tensors.ipynb", chapters).problem == "an empty file"
    other_json = notebooks.read(b'{"a": 1}', "01_tensors.ipynb", chapters)
    assert other_json.problem == "JSON, but not a notebook (no cells)"
