"""Course accounts on the course server: Unix users in the students' or graders' group.

    sudo ./dlbook hub adduser alice --student          # prints a new random password
    sudo ./dlbook hub adduser carol --ta --password-stdin < pw.txt
    sudo ./dlbook hub removeuser alice                 # the account and its home go

An existing Unix user (a university login) is only added to the group: their password and home
stay as they are. Homes are made private (0700): no student reads another's work in progress.
"""

from __future__ import annotations

import pwd
import re
import secrets
import subprocess

from .layout import ensure_group
from .settings import HubSettings

# \Z, not $: `$` also matches before a final newline, and "alice\n" would pass.
VALID = re.compile(r"^[a-z_][a-z0-9_-]{0,31}\Z")


class UserError(Exception):
    """An account cannot be made as asked (the message says why)."""


def add_user(name: str, role: str, s: HubSettings, password: str | None = None) -> str | None:
    """Make `name` a student or grader; return the password set (None: the user existed)."""
    if not VALID.match(name):
        raise UserError(
            f"{name!r} is not a usable Unix user name: lower-case letters, digits, '_' and '-', "
            "starting with a letter, at most 32 characters"
        )
    group = s.graders_group if role == "ta" else s.students_group
    ensure_group(group)
    try:
        pwd.getpwnam(name)
        existed = True
    except KeyError:
        existed = False
    if existed:
        subprocess.run(["usermod", "-a", "-G", group, name], check=True)
        if password is None:
            return None
    else:
        subprocess.run(
            ["useradd", "--create-home", "--shell", "/bin/bash", "-G", group, name], check=True
        )
        subprocess.run(["chmod", "0700", pwd.getpwnam(name).pw_dir], check=True)
    password = password or secrets.token_urlsafe(9)
    subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
    return password


def remove_user(name: str) -> None:
    """Delete the account, its home and its mail spool."""
    try:
        pwd.getpwnam(name)
    except KeyError as error:
        raise UserError(f"there is no user {name!r}") from error
    subprocess.run(["userdel", "--remove", name], check=False, capture_output=True)
