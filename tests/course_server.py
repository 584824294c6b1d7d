"""The real course server (`./dlbook hub`) on localhost for the tests, and everything it needs.

A test gets a fresh world under one folder and leaves nothing behind:
- a copy of the book (the code, source/ and release/), made graders-only as a real course's
  checkout must be, so what a test student can read is what a real one could;
- the book's environment where a student can run it: the test machine's environment usually
  lives in root's home (mode 0700), so a hard-linked view of it is made next to the copy (no
  data copied), with a base interpreter every user can run; a real course installs it in the
  open instead (DLBOOK_ENV=/opt/dlbook-env; the hub refuses to start otherwise);
- Unix users made with `./dlbook hub adduser` and removed with `./dlbook hub removeuser`;
- the hub itself (JupyterHub, configurable-http-proxy and every user's server), stopped with
  its whole process group.
Needs root, useradd and the proxy (.ci/run installs it); otherwise the tests skip and say so.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK_PARTS = ("grading", "helpers", "tools", "source", "release", "nbgrader_config.py", "dlbook",
              "pyproject.toml")  # fmt: skip
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


def missing_requirements() -> str | None:
    """Why the course server cannot run here, or None."""
    from grading.hub import proxy

    if os.geteuid() != 0:
        return "needs root (the course server runs each user's Jupyter as that Unix user)"
    for tool in ("useradd", "userdel", "chpasswd", "runuser"):
        if not shutil.which(tool):
            return f"needs {tool} (the passwd package) to make the test users"
    if not proxy.find():
        return proxy.missing_message()
    return None


def runs_as_nobody(python: Path, *imports: str) -> bool:
    code = "; ".join(f"import {m}" for m in imports) or "pass"
    done = subprocess.run(
        ["runuser", "-u", "nobody", "--", str(python), "-c", code],
        capture_output=True,
        check=False,
        cwd="/",
    )
    return done.returncode == 0


def public_environment(base: Path) -> Path:
    """The book's environment (this Python's), or a view of it every user can run."""
    env = Path(sys.prefix)
    if runs_as_nobody(env / "bin" / "python", "jupyterhub"):
        return env
    view = base / "env"
    subprocess.run(["cp", "-al", str(env), str(view)], check=True)  # hard links: no data copied
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    base_python = next(
        (
            Path(p)
            for p in (
                os.path.realpath(env / "bin" / f"python{version}"),
                f"/usr/bin/python{version}",
            )
            if Path(p).exists() and runs_as_nobody(Path(p))
        ),
        None,
    )
    if base_python is None:
        raise RuntimeError(f"no Python {version} that every user can run (tried /usr/bin)")
    # Replace (never write through) the hard-linked pyvenv.cfg and interpreter link.
    (view / "pyvenv.cfg").unlink()
    (view / "pyvenv.cfg").write_text(
        f"home = {base_python.parent}\ninclude-system-site-packages = false\n"
    )
    link = view / "bin" / f"python{version}"
    link.unlink()
    link.symlink_to(base_python)
    # The scripts in bin/ (alembic, jupyter, ...) name the original's Python: name the view's.
    old, new = f"#!{env}/bin/".encode(), f"#!{view}/bin/".encode()
    for script in (view / "bin").iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        data = script.read_bytes()
        if data.startswith(old):
            mode = script.stat().st_mode
            script.unlink()  # a new file: never write through the hard link
            script.write_bytes(new + data[len(old) :])
            script.chmod(mode)
    if not runs_as_nobody(view / "bin" / "python", "jupyterhub", "nbgrader"):
        raise RuntimeError(f"the environment view {view} does not run as another user")
    return view


def book_copy(base: Path) -> Path:
    book = base / "book"
    book.mkdir()
    for part in BOOK_PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, book / part, ignore=IGNORE, symlinks=True)
        else:
            shutil.copy2(src, book / part)
    return book


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hub:
    """A running `./dlbook hub` and the world made for it."""

    base: Path
    book: Path
    env: Path
    port: int
    process: subprocess.Popen | None = None
    users: list = field(default_factory=list)
    new_groups: list = field(default_factory=list)  # the course groups this test made
    log: list = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def course(self) -> Path:
        return self.base / "course"

    @property
    def exchange(self) -> Path:
        return self.base / "exchange"

    @property
    def state(self) -> Path:
        return self.base / "state"

    def environ(self) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DLBOOK_", "JUPYTER", "PYTHONPATH"))
        }
        env.update(DLBOOK_ENV=str(self.env), PYTHONDONTWRITEBYTECODE="1")
        return env

    def dlbook(
        self, *args: str, stdin: str | None = None, check=True
    ) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(self.book / "dlbook"), *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.environ(),
            cwd=self.base,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"./dlbook {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def grade(self, slug: str) -> subprocess.CompletedProcess:
        """`sudo ./dlbook hub grade slug`, as the course's root would run it.

        With the test machine's own environment, not the view students run: the view's base
        interpreter may be another patch release (Debian's 3.11.2 beside a pyenv 3.11.7), on
        which soupsieve cannot compile nbconvert's selectors and every feedback page fails.
        A real course has one interpreter (DLBOOK_ENV=/opt/dlbook-env)."""
        env = dict(self.environ(), DLBOOK_ENV=sys.prefix)
        return subprocess.run(
            [str(self.book / "dlbook"), "hub", "grade", slug, *self.folders()],
            capture_output=True, text=True, env=env, cwd=self.base, check=False,
        )  # fmt: skip

    def folders(self) -> list[str]:
        return [f"--course={self.course}", f"--exchange={self.exchange}", f"--state={self.state}"]

    def add_user(self, name: str, role: str, password: str) -> None:
        self.users.append(name)
        self.dlbook("hub", "adduser", name, f"--{role}", "--password-stdin", stdin=password + "\n")

    def start(self, timeout: float = 240) -> None:
        self.process = subprocess.Popen(
            [str(self.book / "dlbook"), "hub", *self.folders(), f"--port={self.port}",
             "--fix-permissions"],
            env=self.environ(),
            cwd=self.base,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )  # fmt: skip

        def read():
            for line in self.process.stdout:
                self.log.append(line)

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.reader.join(timeout=5)
                raise RuntimeError("`./dlbook hub` exited:\n" + "".join(self.log[-40:]))
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=5) as r:
                    if json.load(r).get("version"):
                        return
            except OSError:
                time.sleep(1)
        raise RuntimeError("the hub did not answer within the time:\n" + "".join(self.log[-40:]))

    def as_user(self, name: str, *cmd: str, cwd: str | None = None, env: dict | None = None,
                check=False) -> subprocess.CompletedProcess:  # fmt: skip
        """Run `cmd` as the Unix user `name` (a fresh login environment plus `env`)."""
        home = pwd.getpwnam(name).pw_dir
        extra = [f"{k}={v}" for k, v in (env or {}).items()]
        done = subprocess.run(
            ["runuser", "-u", name, "--", "env", "-i", f"HOME={home}", f"USER={name}",
             "PATH=/usr/bin:/bin", *extra, *cmd],
            capture_output=True, text=True, cwd=cwd or home, check=False,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise AssertionError(f"{name}: {' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.reader:
            self.reader.join(timeout=10)
        if self.process and self.process.stdout:
            self.process.stdout.close()
        # Users' servers run in their own sessions: end what a test user still runs, by id.
        for name in self.users:
            found = subprocess.run(
                ["pgrep", "-u", name], capture_output=True, text=True, check=False
            )
            for pid in found.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def remove(self) -> None:
        """Remove the test users (and their homes) and everything under `base`."""
        for name in self.users:
            for _ in range(10):
                if subprocess.run(
                    ["pgrep", "-u", name], capture_output=True, check=False
                ).returncode:
                    break
                time.sleep(0.5)
            self.dlbook("hub", "removeuser", name, check=False)
        for group in self.new_groups:
            subprocess.run(["groupdel", group], capture_output=True, check=False)
        # rm, not shutil.rmtree: the environment view is tens of thousands of hard links.
        subprocess.run(["rm", "-rf", "--one-file-system", str(self.base)], check=False)

    def settings(self):
        from grading.hub.settings import HubSettings

        return HubSettings(course=self.course, exchange=self.exchange, state=self.state,
                           book=self.book, python=str(self.env / "bin" / "python"))  # fmt: skip

    def as_role(self, name: str, role: str, *cmd: str, check=False, cwd=None):
        """Run `cmd` as `name` with the environment their server on the hub would give them."""
        from grading.hub.spawner import environment

        env = environment(self.settings(), role)
        return self.as_user(name, *cmd, env=env, check=check, cwd=cwd)


@contextlib.contextmanager
def one_course_server_at_a_time():
    """Hold a machine-wide lock while a test's course server lives.

    The course groups (dlbook-students, dlbook-graders) are the machine's, not a test's: when
    two course-server tests ran side by side (pytest -n 2), the first to finish deleted the group
    it had made while the other's students were in it, and the hub then refused the other's
    next student login ("Invalid username or password")."""
    import fcntl

    with open(Path(tempfile.gettempdir()) / "dlbook-course-server.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def make_hub() -> Hub:
    """A world for a course server under a fresh world-traversable folder (not started)."""
    base = Path(tempfile.mkdtemp(prefix="dlbook-hub-"))
    os.chmod(base, 0o755)  # users' servers must reach the environment and the exchange
    try:
        env = public_environment(base)
        book = book_copy(base)
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    import grp

    hub = Hub(base, book, env, free_port())
    for group in ("dlbook-students", "dlbook-graders"):
        try:
            grp.getgrnam(group)
        except KeyError:
            hub.new_groups.append(group)
    return hub
