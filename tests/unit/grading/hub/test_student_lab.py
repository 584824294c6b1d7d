"""The course server's student lab is `./dlbook lab`'s: the same Validate dialog and save hook,
importable from the public copy students' servers read (grading/hub/layout.py copy_public)."""

import json
import subprocess
import sys

from grading.hub import spawner
from grading.hub.layout import copy_public
from grading.hub.settings import HubSettings


def student_run(s: HubSettings, *args: str, cwd) -> str:
    """A command in the environment a student's server gets (not the book's checkout)."""
    env = {"HOME": str(cwd), "LANG": "C.UTF-8", **spawner.environment(s, "student")}
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# A student's Jupyter server set up as the spawner sets it up (not started: no port is opened
# beyond an ephemeral one), reporting what it loaded.
SERVER_PROBE = """
import json
from jupyter_server.serverapp import ServerApp
app = ServerApp()
app.initialize(argv=["--port=0", "--no-browser", "--ServerApp.token=x"])
on = sorted(n for n, e in app.extension_manager.extensions.items() if e.enabled)
hook = app.contents_manager.pre_save_hook
hook = f"{hook.__module__}.{hook.__name__}" if hook else None


def served_by(router, path):
    for rule in getattr(router, "rules", []):
        if isinstance(rule.target, type):
            if getattr(rule.matcher, "regex", None) and rule.matcher.regex.match(path):
                yield rule.target.__module__
        else:
            yield from served_by(rule.target, path)


# The first rule that matches serves the request (tornado routes in order).
validate = next(served_by(app.web_app.default_router, "/assignments/validate"), None)
print(json.dumps([on, hook, validate]))
"""


def test_a_students_server_runs_the_books_validate_and_save_hook(tmp_path):
    s = HubSettings(state=tmp_path / "state", exchange=tmp_path / "exchange")
    copy_public(s)
    on, hook, validate = json.loads(student_run(s, "-c", SERVER_PROBE, cwd=tmp_path))
    assert "tools.lab_validate" in on and "nbgrader.server_extensions.validate_assignment" not in on
    assert hook == "tools.lab_save_hook.save_widget_pictures"
    assert validate == "tools.lab_validate", f"Validate is served by {validate}"
    found = student_run(
        s,
        "-c",
        "import tools.lab_save_hook as h, tools.lab_validate as v; print(h.__file__, v.__file__)",
        cwd=tmp_path,
    ).split()
    assert found and all(p.startswith(str(s.public / "tools")) for p in found), found
