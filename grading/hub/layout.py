"""The course server's folders, groups and permissions: made by `prepare`, verified by `problems`.

    <course>/      root:graders 2770   source/, release/, gradebook.db, submitted/, autograded/,
                                       feedback/, reports/, exports/ (nbgrader's course folder)
    <exchange>/    root 1777           nbgrader's exchange root (nbgrader wants it writable)
      <id>/        root:graders 2775
        outbound/  root:graders 2775   released assignments: everyone reads
        inbound/   root:graders 2773   submissions: students write, only graders list and read
        feedback/  root:graders 2771   released feedback: read by name only
    <state>/       root 0711           jupyterhub.sqlite, cookie secret (0600)
      public/      root 0755           helpers/, grading/, tools/ (the lab's server code),
                                       student-lab/, student-config/: what a student's server
                                       imports and reads (no source/, no .git)
      grader-config/ root:graders 0750 the graders' nbgrader settings

A new course folder gets the book's chapters (source/ and release/ as `./dlbook build` made
them); a chapter already there is never replaced (the instructor may have edited it).
"""

from __future__ import annotations

import grp
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

from tools.workspace import stamp_python_version

from .settings import HubSettings

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
STUDENT_LAB_MODULES = ("__init__.py", "lab_validate.py", "lab_save_hook.py")
STUDENT_NBGRADER_CONFIG = '''"""nbgrader for a student's server on the course server (written by grading/hub/layout.py)."""
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course_id!r}
c.Exchange.root = {exchange!r}
c.ExchangeFactory.submit = "grading.hub.exchange.PrivateSubmit"
'''
GRADER_NBGRADER_CONFIG = '''"""nbgrader for a TA's server on the course server (written by grading/hub/layout.py).

The book's own settings first (sandbox, verdict, late policy), then this course's folders.
"""
c = get_config()  # noqa: F821
load_subconfig({book_config!r})  # noqa: F821
c.CourseDirectory.root = {course!r}
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.groupshared = True
c.Exchange.root = {exchange!r}
c.ExchangeFactory.release_feedback = "grading.hub.exchange.ReadableFeedback"
'''


def gid(name: str) -> int:
    return grp.getgrnam(name).gr_gid


def ensure_group(name: str) -> None:
    try:
        grp.getgrnam(name)
    except KeyError:
        subprocess.run(["groupadd", name], check=True)


def _folder(path: Path, mode: int, group: str | None = None) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, 0, gid(group) if group else 0)
    os.chmod(path, mode)


def _tree_mode(path: Path, group: str, dirs: int, files: int) -> None:
    for folder, subdirs, names in os.walk(path):
        os.chown(folder, 0, gid(group))
        os.chmod(folder, dirs)
        for name in names:
            os.chown(os.path.join(folder, name), 0, gid(group))
            os.chmod(os.path.join(folder, name), files)


def copy_public(s: HubSettings) -> None:
    """What students' servers read, copied fresh from the book on every start."""
    public = s.public
    if public.exists():
        shutil.rmtree(public)
    public.mkdir(parents=True)
    for package in ("helpers", "grading"):
        shutil.copytree(s.book / package, public / package, ignore=IGNORE)
    shutil.copytree(s.book / "tools" / "student_lab", public / "student-lab", ignore=IGNORE)
    # The student lab's own server code (Validate's dialog, the save hook), which
    # student-lab/'s settings name: importable from here as in `./dlbook lab`.
    (public / "tools").mkdir()
    for module in STUDENT_LAB_MODULES:
        shutil.copy2(s.book / "tools" / module, public / "tools" / module)
    s.student_config.mkdir()
    (s.student_config / "nbgrader_config.py").write_text(
        STUDENT_NBGRADER_CONFIG.format(course_id=s.course_id, exchange=str(s.exchange))
    )
    for folder, subdirs, names in os.walk(public):
        os.chmod(folder, 0o755)
        for name in names:
            os.chmod(os.path.join(folder, name), 0o644)


def add_chapters(s: HubSettings) -> list[str]:
    """Copy the book's chapters the course folder does not have yet; return their names."""
    added = []
    for folder in ("source", "release"):
        for chapter in sorted((s.book / folder).glob("[0-9][0-9]_*")):
            target = s.course / folder / chapter.name
            if not target.exists():
                shutil.copytree(chapter, target, ignore=IGNORE)
                # The course's Python version, which the book leaves out: a student's fetched
                # copy then opens unmodified in the hub's lab (tools/workspace.py says why).
                for notebook in target.rglob("*.ipynb"):
                    stamp_python_version(notebook)
                _tree_mode(target, s.graders_group, 0o2775, 0o664)
                added.append(f"{folder}/{chapter.name}")
    return added


def prepare(s: HubSettings) -> list[str]:
    """Make groups, folders, permissions and the public copy; return what was added."""
    for group in (s.students_group, s.graders_group):
        ensure_group(group)
    _folder(s.course, 0o2770, s.graders_group)
    for name in ("source", "release"):
        _folder(s.course / name, 0o2775, s.graders_group)
    added = add_chapters(s)
    _folder(s.exchange, 0o1777)
    course = s.exchange / s.course_id
    _folder(course, 0o2775, s.graders_group)
    _folder(course / "outbound", 0o2775, s.graders_group)
    _folder(course / "inbound", 0o2773, s.graders_group)
    _folder(course / "feedback", 0o2771, s.graders_group)
    _folder(s.state, 0o711)
    copy_public(s)
    _folder(s.grader_config, 0o750, s.graders_group)
    config = s.grader_config / "nbgrader_config.py"
    config.write_text(
        GRADER_NBGRADER_CONFIG.format(
            book_config=str(s.book / "nbgrader_config.py"),
            course=str(s.course),
            course_id=s.course_id,
            exchange=str(s.exchange),
        )
    )
    # JupyterHub forbids framing a user's pages (frame-ancestors 'none'); the Formgrader is a
    # frame in the TA's own JupyterLab, so graders' servers allow their own origin.
    server = s.grader_config / "jupyter_server_config.json"
    server.write_text(json.dumps({"ServerApp": {"tornado_settings": {"headers": {
        "Content-Security-Policy": "frame-ancestors 'self'"}}}}, indent=1))  # fmt: skip
    for path in (config, server):
        os.chmod(path, 0o640)
        os.chown(path, 0, gid(s.graders_group))
    return added


# ------------------------------------------------------------------------------ checks
def others_can_reach(path: Path) -> bool:
    """Can a user in no group of `path`'s ancestors reach (traverse to) it?"""
    path = Path(path).resolve()
    for parent in [*reversed(path.parents), path]:
        mode = parent.stat().st_mode
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return False
    return True


def others_can_read(path: Path) -> bool:
    path = Path(path).resolve()
    if not others_can_reach(path.parent):
        return False
    mode = path.stat().st_mode
    needed = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
    return mode & needed == needed


def problems(s: HubSettings) -> list[str]:
    """What would let a student read what they must not, or stop the course working."""
    found = []
    for what in (s.book / "source", s.book / ".git", s.course):
        if what.exists() and others_can_reach(what):
            found.append(
                f"students can reach {what} (the solutions are there): make the book's "
                f"checkout graders-only: chgrp {s.graders_group} {s.book} && chmod 2750 "
                f"{s.book} (or start with --fix-permissions)"
            )
    inbound = s.exchange / s.course_id / "inbound"
    if inbound.exists() and inbound.stat().st_mode & stat.S_IROTH:
        found.append(f"students can list {inbound}: chmod 2773 {inbound}")
    python = Path(s.python)
    if not others_can_read(python.resolve()):
        found.append(
            f"students cannot run the book's Python ({python} -> {python.resolve()}): install "
            "the environment where everyone can read it, e.g. "
            "DLBOOK_PYTHON=/usr/bin/python3 DLBOOK_ENV=/opt/dlbook-env ./dlbook hub"
        )
    return found


def fix_book_permissions(s: HubSettings) -> None:
    """The book's checkout becomes root:graders 2750: graders read it, students do not."""
    os.chown(s.book, 0, gid(s.graders_group))
    os.chmod(s.book, 0o2750)


def check_inbound(s: HubSettings) -> list[str]:
    """Submissions whose folder name claims another student than their owner (weakness 2)."""
    import pwd

    inbound = s.exchange / s.course_id / "inbound"
    found = []
    for entry in sorted(inbound.iterdir()) if inbound.exists() else []:
        claimed = entry.name.split("+", 1)[0]
        try:
            owner = pwd.getpwuid(entry.stat().st_uid).pw_name
        except KeyError:
            owner = str(entry.stat().st_uid)
        if owner != claimed:
            found.append(f"{entry.name}: claims {claimed!r} but was made by {owner!r}")
    return found
