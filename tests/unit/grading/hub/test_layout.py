"""grading.hub.layout on real folders: `prepare` makes the modes and groups its docstring draws,
keeps an instructor's edited chapter, and `problems`/`check_inbound` name what would let a
student read what they must not. The whole course server with real users:
tests/test_course_server.py.

Groups: two that every Debian system has (users, nogroup) stand in for the course's, so no test
adds or removes a group of the machine's."""

import json
import os
import pwd
import shutil
import stat
import tempfile
from pathlib import Path

import nbformat
import pytest

from grading.hub import layout
from grading.hub.settings import HubSettings
from tools.workspace import KERNEL_PYTHON_VERSION

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the layout is root's to make")
GRADERS, STUDENTS = "users", "nogroup"


@pytest.fixture
def open_dir():
    """A folder everyone can reach: pytest's tmp_path sits under a 0700 folder."""
    path = Path(tempfile.mkdtemp(prefix="dlbook-layout-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def fake_book(book: Path) -> Path:
    """The parts of the book's checkout the layout reads."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.metadata["language_info"] = {"name": "python", "version": "3.0.0"}
    for folder in ("source", "release"):
        (book / folder / "01_tensors").mkdir(parents=True)
        nbformat.write(nb, book / folder / "01_tensors" / "01_tensors.ipynb")
    for package in ("helpers", "grading"):
        (book / package / "__pycache__").mkdir(parents=True)
        (book / package / "__init__.py").write_text("")
        (book / package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"")
    (book / "tools" / "student_lab").mkdir(parents=True)
    (book / "tools" / "student_lab" / "page_config.json").write_text("{}")
    for module in layout.STUDENT_LAB_MODULES:
        (book / "tools" / module).write_text("")
    (book / "tools" / "build.py").write_text("")  # the book's tools: not for students
    (book / "nbgrader_config.py").write_text("c = get_config()\n")
    return book


def settings(base: Path, python: str = "") -> HubSettings:
    if not python:  # an environment installed where everyone can read it (only read, not run)
        (base / "env" / "bin").mkdir(parents=True)
        python = str(base / "env" / "bin" / "python")
        Path(python).write_text("")
        Path(python).chmod(0o755)
    return HubSettings(course=base / "course", exchange=base / "exchange", state=base / "state",
                       book=fake_book(base / "book"), graders_group=GRADERS,
                       students_group=STUDENTS, python=python)  # fmt: skip


# ------------------------------------------------------------------------------ reach and read
def test_a_folder_under_a_closed_one_cannot_be_reached(open_dir):
    inner = open_dir / "closed" / "inner"
    inner.mkdir(parents=True)
    inner.chmod(0o755)
    assert layout.others_can_reach(inner)
    (open_dir / "closed").chmod(0o750)
    assert not layout.others_can_reach(inner)


def test_a_file_is_readable_by_others_only_with_r_and_a_reachable_folder(open_dir):
    file = open_dir / "f"
    file.write_text("x")
    file.chmod(0o644)
    assert layout.others_can_read(file)
    file.chmod(0o640)
    assert not layout.others_can_read(file)
    folder = open_dir / "d"
    folder.mkdir(mode=0o744)  # r without x: cannot be listed into
    folder.chmod(0o744)
    assert not layout.others_can_read(folder)


# ------------------------------------------------------------------------------ prepare
@needs_root
def test_prepare_makes_the_documented_modes_and_groups(open_dir):
    s = settings(open_dir)
    added = layout.prepare(s)
    assert added == ["source/01_tensors", "release/01_tensors"]
    graders = layout.gid(GRADERS)
    expected = {
        s.course: 0o2770,
        s.course / "source": 0o2775,
        s.exchange: 0o1777,
        s.exchange / "dlbook": 0o2775,
        s.exchange / "dlbook" / "outbound": 0o2775,
        s.exchange / "dlbook" / "inbound": 0o2773,
        s.exchange / "dlbook" / "feedback": 0o2771,
        s.state: 0o711,
        s.grader_config: 0o750,
        s.grader_config / "nbgrader_config.py": 0o640,
    }
    assert {p: mode(p) for p in expected} == expected
    for path in [s.course, s.exchange / "dlbook" / "inbound", s.grader_config]:
        assert path.stat().st_gid == graders, path
    assert s.exchange.stat().st_gid == 0


@needs_root
def test_the_public_copy_holds_code_and_settings_only_readable_by_all(open_dir):
    s = settings(open_dir)
    layout.prepare(s)
    public = sorted(str(p.relative_to(s.public)) for p in s.public.rglob("*"))
    assert "helpers/__init__.py" in public and "grading/__init__.py" in public
    assert "student-lab/page_config.json" in public and "tools/lab_validate.py" in public
    assert "tools/build.py" not in public
    assert not [p for p in public if "__pycache__" in p or p.startswith("source")]
    assert all(mode(p) == (0o755 if p.is_dir() else 0o644) for p in s.public.rglob("*"))
    config = (s.student_config / "nbgrader_config.py").read_text()
    assert f"c.Exchange.root = {str(s.exchange)!r}" in config
    assert "PrivateSubmit" in config
    compile(config, "nbgrader_config.py", "exec")  # nbgrader executes it


@needs_root
def test_the_graders_config_loads_the_book_s_then_names_the_course(open_dir):
    s = settings(open_dir)
    layout.prepare(s)
    config = (s.grader_config / "nbgrader_config.py").read_text()
    assert f"load_subconfig({str(s.book / 'nbgrader_config.py')!r})" in config
    assert f"c.CourseDirectory.root = {str(s.course)!r}" in config
    assert config.index("load_subconfig") < config.index("c.CourseDirectory.root")
    server = json.loads((s.grader_config / "jupyter_server_config.json").read_text())
    headers = server["ServerApp"]["tornado_settings"]["headers"]
    assert headers["Content-Security-Policy"] == "frame-ancestors 'self'"


@needs_root
def test_a_chapter_already_in_the_course_is_never_replaced(open_dir):
    s = settings(open_dir)
    layout.prepare(s)
    copied = s.course / "release" / "01_tensors" / "01_tensors.ipynb"
    nb = nbformat.read(copied, as_version=4)
    assert nb.metadata["language_info"]["version"] == KERNEL_PYTHON_VERSION
    assert mode(copied) == 0o664 and copied.stat().st_gid == layout.gid(GRADERS)
    copied.write_text("the instructor's edit")
    (s.book / "source" / "02_autograd").mkdir()
    assert layout.prepare(s) == ["source/02_autograd"]
    assert copied.read_text() == "the instructor's edit"


# ------------------------------------------------------------------------------ problems
@needs_root
def test_a_prepared_course_with_a_graders_only_book_has_no_problem(open_dir):
    s = settings(open_dir)
    layout.prepare(s)
    found = layout.problems(s)
    assert len(found) == 1 and found[0].startswith(f"students can reach {s.book / 'source'}")
    assert "--fix-permissions" in found[0]
    layout.fix_book_permissions(s)
    assert mode(s.book) == 0o2750 and s.book.stat().st_gid == layout.gid(GRADERS)
    assert layout.problems(s) == []


@needs_root
def test_a_listable_inbound_and_an_unreadable_python_are_problems(open_dir):
    private = open_dir / "private"
    (private / "bin").mkdir(parents=True)
    python = private / "bin" / "python"
    python.write_text("")
    private.chmod(0o700)  # as a root-owned environment under /root is
    s = settings(open_dir, python=str(python))
    layout.prepare(s)
    layout.fix_book_permissions(s)
    inbound = s.exchange / s.course_id / "inbound"
    inbound.chmod(0o2777)
    found = layout.problems(s)
    assert found[0] == f"students can list {inbound}: chmod 2773 {inbound}"
    assert found[1].startswith(f"students cannot run the book's Python ({python}")
    assert "DLBOOK_ENV=/opt/dlbook-env" in found[1]
    assert len(found) == 2


def test_a_submission_made_by_someone_else_than_it_names_is_reported(open_dir):
    s = HubSettings(exchange=open_dir)
    inbound = open_dir / s.course_id / "inbound"
    me = pwd.getpwuid(os.getuid()).pw_name
    for name in ("alice+01_tensors+2026-12-03 10:00:00", f"{me}+01_tensors+2026-12-03"):
        (inbound / name).mkdir(parents=True)
    assert layout.check_inbound(s) == [
        f"alice+01_tensors+2026-12-03 10:00:00: claims 'alice' but was made by {me!r}"
    ]
    assert layout.check_inbound(HubSettings(exchange=open_dir / "none")) == []
