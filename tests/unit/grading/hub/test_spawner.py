"""grading.hub.spawner's role and environment for real Unix users of this machine (root, nobody):
graders get the course, students only the public copy, never the book's checkout. Servers
started for real users: tests/test_course_server.py."""

import os
from pathlib import Path

import pytest

from grading.hub.settings import HubSettings
from grading.hub.spawner import UMASK, environment, role

S = HubSettings(course=Path("/srv/c/course"), state=Path("/srv/c/hub"), book=Path("/srv/c/book"),
                python="/opt/env/bin/python")  # fmt: skip


@pytest.mark.parametrize(
    ("user", "graders", "students", "expected"),
    [
        ("root", "root", "nogroup", "grader"),  # by primary group
        ("nobody", "root", "nogroup", "student"),
        ("root", "root", "root", "grader"),  # in both: a grader
        ("root", "dlbook-no-such-group", "nogroup", None),  # in neither: not in the course
        ("dlbook-no-such-user", "root", "nogroup", None),
    ],
)
def test_the_role_follows_the_user_s_groups(user, graders, students, expected):
    settings = HubSettings(graders_group=graders, students_group=students)
    assert role(user, settings) == expected


def test_a_student_s_server_reads_the_public_copy_and_never_the_book():
    env = environment(S, "student")
    assert env["PYTHONPATH"] == "/srv/c/hub/public"
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [
        "/srv/c/hub/public/student-lab",
        "/srv/c/hub/public/student-config",
    ]
    assert env["PATH"].split(os.pathsep)[0] == "/opt/env/bin"
    assert not [k for k, v in env.items() if "/srv/c/book" in v or "/srv/c/course" in v], env


def test_a_grader_s_server_has_the_course_the_book_and_the_hub_settings():
    env = environment(S, "grader")
    assert env["PATH"].split(os.pathsep)[:2] == ["/srv/c/book", "/opt/env/bin"]
    assert (env["PYTHONPATH"], env["DLBOOK_COURSE"]) == ("/srv/c/book", "/srv/c/course")
    assert env["JUPYTER_CONFIG_PATH"] == "/srv/c/hub/grader-config"
    assert env["DLBOOK_ENV"] == "/opt/env"
    assert HubSettings.from_env(env) == S  # `./dlbook hub grade` in a TA's terminal finds it


def test_graders_share_what_they_write_and_students_keep_theirs_private():
    assert (int(UMASK["grader"], 8), int(UMASK["student"], 8)) == (0o002, 0o077)
