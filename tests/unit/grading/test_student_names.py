"""grading.student.record_names: the Formgrader's names come from roster.csv (a real gradebook)."""

from nbgrader.api import Gradebook

from grading.student import gradebook_name, record_names


def test_roster_names_reach_the_gradebook(tmp_path):
    (tmp_path / "roster.csv").write_text(
        'student,name\njdoe,"Doe, Jane"\nkim,Kim Lee Park\nsolo,Prince\n'
    )
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gb:
        gb.update_or_create_student("kept", first_name="Ta", last_name="Edited")
    record_names(tmp_path, url, ["jdoe", "kim", "solo", "ghost", "kept"])
    with Gradebook(url) as gb:
        names = {s.id: (s.first_name, s.last_name) for s in gb.students}
    assert names == {
        "jdoe": ("Jane", "Doe"),
        "kim": ("Kim Lee", "Park"),
        "solo": ("", "Prince"),
        "ghost": ("", "ghost"),  # not on the roster: the id, never "None, None"
        "kept": ("Ta", "Edited"),  # a TA's edit is kept
    }


def test_gradebook_name_of_an_empty_name():
    assert gradebook_name("") == ("", "")
