"""One Jupyter server per user, running as that Unix user, set up for their role.

JupyterHub's LocalProcessSpawner starts `python -m jupyterhub.singleuser` as the user (setuid
from the hub, which runs as root); this subclass decides, from the user's Unix groups:
- a grader (TA, instructor): the server's folder is the course folder; nbgrader's settings are
  the book's plus the course's (the Formgrader works on the course); the book's checkout on
  PATH (`./dlbook export` in a terminal; grading is root's `./dlbook hub grade`); umask 002,
  so fellow graders can update the gradebook and the files grading writes;
- a student: the server's folder is their home; Python imports the book's code from the public
  copy; JupyterLab has nbgrader's student tools only (tools/student_lab/, as `./dlbook lab`).
"""

import grp
import os
import pwd
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner

from .settings import HubSettings

UMASK = {"grader": "0002", "student": "0077"}


def role(username: str, settings: HubSettings) -> str | None:
    """ "grader", "student" or None (in neither group: not a member of the course)."""
    try:
        user = pwd.getpwnam(username)
    except KeyError:
        return None
    groups = {g.gr_name for g in grp.getgrall() if username in g.gr_mem}
    groups.add(grp.getgrgid(user.pw_gid).gr_name)
    if settings.graders_group in groups:
        return "grader"
    if settings.students_group in groups:
        return "student"
    return None


def environment(s: HubSettings, who: str) -> dict[str, str]:
    """What a user's server (and so their kernels and terminals) gets on top of a login's."""
    env = {
        "PATH": os.pathsep.join([os.path.dirname(s.python), "/usr/local/bin", "/usr/bin", "/bin"])
    }
    if who == "grader":
        env.update(s.to_env())
        env["PYTHONPATH"] = str(s.book)
        env["JUPYTER_CONFIG_PATH"] = str(s.grader_config)
        env["DLBOOK_COURSE"] = str(s.course)
        env["DLBOOK_ENV"] = str(Path(s.python).parent.parent)
        env["PATH"] = os.pathsep.join([str(s.book), env["PATH"]])
    else:
        env["PYTHONPATH"] = str(s.public)
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
            [str(s.public / "student-lab"), str(s.student_config)]
        )
    return env


class CourseSpawner(LocalProcessSpawner):
    def _settings(self) -> HubSettings:
        return HubSettings.from_env()

    def _role(self) -> str:
        found = role(self.user.name, self._settings())
        if found is None:
            raise RuntimeError(f"{self.user.name} is in neither course group")
        return found

    def get_env(self):
        env = super().get_env()
        env.pop("PYTHONPATH", None)
        env.update(environment(self._settings(), self._role()))
        return env

    async def start(self):
        s, who = self._settings(), self._role()
        home = pwd.getpwnam(self.user.name).pw_dir
        self.notebook_dir = str(s.course) if who == "grader" else home
        # A shell sets the umask, then becomes the server: `sh -c 'umask M; exec "$0" "$@"'`.
        self.cmd = [
            "/bin/sh",
            "-c",
            f'umask {UMASK[who]} && exec "$0" "$@"',
            s.python,
            "-m",
            "jupyterhub.singleuser",
        ]
        return await super().start()
