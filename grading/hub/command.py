"""`./dlbook hub ...`: start the course server, manage its accounts, check its permissions.

    sudo ./dlbook hub [--port 8000] [--ip 127.0.0.1] [--course DIR] [--exchange DIR] [--state DIR]
    sudo ./dlbook hub adduser NAME (--student | --ta) [--password-stdin]
    sudo ./dlbook hub removeuser NAME
    sudo ./dlbook hub check
    sudo ./dlbook hub grade NN_slug [--student S ...]

Grading: the sandbox gives every grading kernel a user id of its own, which needs root, so on
the course server grading is `sudo ./dlbook hub grade` (the instructor, or TAs through one
sudoers line for exactly this command: it takes a chapter and student names, never nbgrader
options). It runs `python -m grading autograde` on the course folder and leaves what it wrote
group-writable for the graders (the Formgrader, `./dlbook export`).

Starting: finds (or installs with npm) the proxy, makes the folders, groups and permissions
(layout.py), refuses to start while a student could read the solutions or could not run the
book's Python (each problem is printed with its fix), then runs JupyterHub in the foreground
(Ctrl-C stops it and every user's server).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from . import layout, proxy, users
from .settings import HubSettings

CONFIG = Path(__file__).with_name("jupyterhub_config.py")


def _settings(args) -> HubSettings:
    s = HubSettings()
    for name in ("course", "exchange", "state"):
        value = getattr(args, name, None)
        if value:
            setattr(s, name, Path(value).resolve())
    for name in ("ip", "port"):
        value = getattr(args, name, None)
        if value:
            setattr(s, name, value)
    return s


def _need_root(what: str) -> str | None:
    if os.geteuid() != 0:
        return (
            f"{what} needs root: the course server runs each user's Jupyter as that Unix "
            "user, and makes accounts. Run it with sudo (sudo ./dlbook hub ...)."
        )
    return None


def start(args) -> int:
    problem = _need_root("./dlbook hub")
    if problem:
        print(f"dlbook hub: {problem}", file=sys.stderr)
        return 2
    s = _settings(args)
    s.proxy = proxy.find() or ""
    if not s.proxy:
        print(f"dlbook hub: installing {proxy.PACKAGE} into {proxy.cache_prefix()} (npm)...")
        s.proxy = proxy.install() or ""
    if not s.proxy:
        print(f"dlbook hub: {proxy.missing_message()}", file=sys.stderr)
        return 2
    added = layout.prepare(s)
    if added:
        print(f"dlbook hub: the course folder {s.course} got the book's {', '.join(added)}")
    if args.fix_permissions:
        layout.fix_book_permissions(s)
        print(f"dlbook hub: {s.book} is now {s.graders_group}-only (mode 2750)")
    found = layout.problems(s)
    if found:
        print("dlbook hub: not started, because:", file=sys.stderr)
        for line in found:
            print(f"  - {line}", file=sys.stderr)
        return 2
    env = {**os.environ, **s.to_env()}
    print(f"dlbook hub: the course server at http://{s.ip}:{s.port} (Ctrl-C stops it)", flush=True)
    cmd = [s.python, "-m", "jupyterhub", "-f", str(CONFIG)]
    os.chdir(s.state)
    os.execve(s.python, cmd, env)
    return 0  # not reached


def adduser(args) -> int:
    problem = _need_root("adding a user")
    if problem:
        print(f"dlbook hub: {problem}", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    try:
        given = users.add_user(args.name, "ta" if args.ta else "student", HubSettings(), password)
    except users.UserError as error:
        print(f"dlbook hub: {error}", file=sys.stderr)
        return 2
    role = "TA" if args.ta else "student"
    if given and not args.password_stdin:
        print(f"{args.name}: {role}, password {given} (they can change it with `passwd`)")
    else:
        print(f"{args.name}: {role}")
    return 0


def removeuser(args) -> int:
    problem = _need_root("removing a user")
    if problem:
        print(f"dlbook hub: {problem}", file=sys.stderr)
        return 2
    try:
        users.remove_user(args.name)
    except users.UserError as error:
        print(f"dlbook hub: {error}", file=sys.stderr)
        return 2
    print(f"{args.name}: removed, with their home folder")
    return 0


def check(args) -> int:
    s = _settings(args)
    found = layout.problems(s) + layout.check_inbound(s)
    for line in found:
        print(f"- {line}")
    if not found:
        print("The course server's permissions are as they should be.")
    return 1 if found else 0


SLUG = re.compile(r"^\d\d_[a-z0-9_]+$")


def grade(args) -> int:
    problem = _need_root("grading on the course server")
    if problem:
        print(f"dlbook hub: {problem}", file=sys.stderr)
        return 2
    s = _settings(args)
    if not SLUG.match(args.assignment) or not (s.course / "source" / args.assignment).is_dir():
        known = sorted(p.name for p in (s.course / "source").glob("[0-9][0-9]_*"))
        print(
            f"dlbook hub: no chapter {args.assignment!r} in {s.course}/source (there: "
            f"{', '.join(known) or 'none'})",
            file=sys.stderr,
        )
        return 2
    bad = [name for name in args.student if not users.VALID.match(name)]
    if bad:
        print(f"dlbook hub: not a student name: {', '.join(bad)}", file=sys.stderr)
        return 2
    cmd = [s.python, "-m", "grading", "autograde", args.assignment, "--root", str(s.course)]
    cmd += [f"--student={name}" for name in args.student]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DLBOOK_COURSE", "JUPYTER"))}
    env["PYTHONPATH"] = str(s.book)
    old = os.umask(0o002)  # what grading writes: group-writable, group graders (setgid folders)
    try:
        return subprocess.run(cmd, cwd=s.book, env=env, check=False).returncode
    finally:
        os.umask(old)


def _folders(p) -> None:
    p.add_argument("--course", help="nbgrader's course folder (default /srv/dlbook/course)")
    p.add_argument("--exchange", help="nbgrader's exchange (default /srv/nbgrader/exchange)")
    p.add_argument("--state", help="the hub's own files (default /srv/dlbook/hub)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./dlbook hub", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("start", help="start the course server (the default)")
    for p in (parser, run):
        _folders(p)
        p.add_argument("--ip", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, help="port (default 8000)")
        p.add_argument(
            "--fix-permissions",
            action="store_true",
            help="make the book's checkout graders-only (students must not read source/)",
        )
    add = sub.add_parser("adduser", help="a student or TA account")
    add.add_argument("name")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--student", action="store_true")
    who.add_argument("--ta", action="store_true", help="a TA or instructor (the Formgrader)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    rm = sub.add_parser("removeuser", help="delete an account and its home")
    rm.add_argument("name")
    chk = sub.add_parser("check", help="who can read what: list what is wrong")
    _folders(chk)
    gr = sub.add_parser("grade", help="autograde a chapter of the course folder (as root)")
    gr.add_argument("assignment", help="NN_slug")
    gr.add_argument("--student", action="append", default=[], help="only this student")
    _folders(gr)
    args = parser.parse_args(argv)
    handlers = {None: start, "start": start, "adduser": adduser, "removeuser": removeuser,
                "grade": grade}  # fmt: skip
    return handlers.get(args.command, check)(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
