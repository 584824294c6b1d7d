"""grading.hub.settings: the one object `./dlbook hub` hands JupyterHub's configuration file
through DLBOOK_HUB_* variables comes back the same, types included."""

from pathlib import Path

from grading.hub.settings import PREFIX, HubSettings


def test_every_setting_survives_the_environment_with_its_type():
    s = HubSettings(course=Path("/c"), exchange=Path("/x"), state=Path("/s"), book=Path("/b"),
                    ip="0.0.0.0", port=8123, students_group="st", graders_group="gr",
                    course_id="ml101", python="/env/bin/python", proxy="/n/chp")  # fmt: skip
    env = s.to_env()
    assert env[PREFIX + "PORT"] == "8123" and env[PREFIX + "COURSE"] == "/c"
    back = HubSettings.from_env(env)
    assert back == s
    assert isinstance(back.port, int) and isinstance(back.course, Path)


def test_unset_variables_keep_the_defaults_and_others_are_ignored():
    env = {PREFIX + "PORT": "9000", "DLBOOK_HUB": "x", "PORT": "1"}
    assert HubSettings.from_env(env) == HubSettings(port=9000)


def test_the_derived_folders_live_under_the_state_folder():
    s = HubSettings(state=Path("/s"))
    assert (s.public, s.grader_config, s.student_config) == (
        Path("/s/public"),
        Path("/s/grader-config"),
        Path("/s/public/student-config"),
    )
