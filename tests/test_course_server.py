"""The course server (`./dlbook hub`): real JupyterHub, real Unix users, real nbgrader exchange.

Started on localhost with two students and a TA (tests/course_server.py makes and removes
them). Here, without a browser: who can read what on disk (the solutions, other students'
submissions, the gradebook), the exchange round trip as each user's own server would run it,
what `./dlbook hub` refuses and says, and a login through the hub's real login form.
The whole term in a browser is tests/test_course_browser.py.
"""

import os
import re
import subprocess
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from tests import course_server as cs

pytestmark = pytest.mark.slow
SLUG = "01_tensors"
PASSWORDS = {"dlbk-s1": "s1-Secret-9", "dlbk-s2": "s2-Secret-9", "dlbk-ta": "ta-Secret-9"}


@pytest.fixture(scope="module")
def hub():
    missing = cs.missing_requirements()
    if missing:
        pytest.skip(f"course server tests skipped: {missing}")
    with cs.one_course_server_at_a_time():
        hub = cs.make_hub()
        try:
            hub.add_user("dlbk-s1", "student", PASSWORDS["dlbk-s1"])
            hub.add_user("dlbk-s2", "student", PASSWORDS["dlbk-s2"])
            hub.add_user("dlbk-ta", "ta", PASSWORDS["dlbk-ta"])
            start = time.perf_counter()
            hub.start()
            hub.seconds_to_start = time.perf_counter() - start
            yield hub
        finally:
            hub.stop()
            hub.remove()


def nbgrader(hub, user, role, *args, check=True):
    return hub.as_role(user, role, str(hub.env / "bin" / "python"), "-m", "nbgrader", *args,
                       check=check)  # fmt: skip


def denied(hub, user, *cmd) -> bool:
    done = hub.as_role(user, "student", *cmd)
    return done.returncode != 0 and "Permission denied" in done.stderr


def test_exchange_round_trip_and_who_reads_what(hub):
    # The TA releases chapter 01 (nbgrader's release_assignment with the graders' settings).
    nbgrader(hub, "dlbk-ta", "grader", "release_assignment", SLUG, "--force")
    # Student 1 fetches and submits it, as their own server's Assignments tab would.
    nbgrader(hub, "dlbk-s1", "student", "fetch_assignment", SLUG)
    nbgrader(hub, "dlbk-s1", "student", "submit", SLUG)
    inbound = hub.exchange / "dlbook" / "inbound"
    (submission,) = [p for p in inbound.iterdir() if p.name.startswith("dlbk-s1+")]
    notebook = submission / f"{SLUG}.ipynb"
    assert oct(notebook.stat().st_mode & 0o777) == "0o440"  # PrivateSubmit: graders' group only

    # Student 2 can see none of it: not the inbound list, not student 1's submission even by
    # its exact path, not the course folder, the solutions, the gradebook, nor student 1's home.
    s1_home = os.path.expanduser("~dlbk-s1")
    assert denied(hub, "dlbk-s2", "ls", str(inbound))
    assert denied(hub, "dlbk-s2", "cat", str(notebook))
    assert denied(hub, "dlbk-s2", "ls", str(hub.course))
    assert denied(hub, "dlbk-s2", "cat", str(hub.course / "source" / SLUG / f"{SLUG}.ipynb"))
    assert denied(hub, "dlbk-s2", "cat", str(hub.book / "source" / SLUG / f"{SLUG}.ipynb"))
    assert denied(hub, "dlbk-s2", "ls", str(hub.book / "grading"))
    assert denied(hub, "dlbk-s2", "ls", s1_home)
    # ... while the released notebook and the book's public code are readable.
    released = hub.exchange / "dlbook" / "outbound" / SLUG / f"{SLUG}.ipynb"
    assert hub.as_role("dlbk-s2", "student", "cat", str(released)).returncode == 0
    imports = hub.as_role("dlbk-s2", "student", str(hub.env / "bin" / "python"), "-c",
                          "import helpers, grading.hub.exchange")  # fmt: skip
    assert imports.returncode == 0, imports.stderr

    # The TA collects it into the course folder; student 2 claiming to be student 1 is caught.
    nbgrader(hub, "dlbk-s2", "student", "fetch_assignment", SLUG)
    nbgrader(hub, "dlbk-s2", "student", "submit", SLUG, "--student=dlbk-s1")
    nbgrader(hub, "dlbk-ta", "grader", "collect", SLUG)
    assert (hub.course / "submitted" / "dlbk-s1" / SLUG / f"{SLUG}.ipynb").exists()
    check = hub.dlbook("hub", "check", *hub.folders(), check=False)
    assert check.returncode == 1
    assert re.search(r"dlbk-s1\+01_tensors\+.*: claims 'dlbk-s1' but was made by 'dlbk-s2'",
                     check.stdout), check.stdout  # fmt: skip
    assert denied(hub, "dlbk-s2", "ls", str(hub.course / "submitted"))


def test_hub_refuses_what_would_expose_the_solutions(hub, tmp_path):
    """Started on a book checkout students can read, the hub says so and does not start."""
    os.chmod(hub.book, 0o755)
    try:
        done = hub.dlbook("hub", *hub.folders(), f"--port={cs.free_port()}", check=False)
    finally:
        os.chmod(hub.book, 0o2750)
    assert done.returncode == 2
    assert "dlbook hub: not started, because:" in done.stderr
    assert f"students can reach {hub.book / 'source'} (the solutions are there)" in done.stderr
    assert f"chgrp dlbook-graders {hub.book} && chmod 2750 {hub.book}" in done.stderr


def test_commands_that_need_root_or_good_names_say_so(hub):
    done = hub.as_role("dlbk-ta", "grader", str(hub.book / "dlbook"), "hub")  # no sudo
    assert done.returncode == 2
    assert "./dlbook hub needs root" in done.stderr and "sudo ./dlbook hub" in done.stderr
    done = hub.dlbook("hub", "adduser", "Bad Name", "--student", check=False)
    assert done.returncode == 2 and "'Bad Name' is not a usable Unix user name" in done.stderr


def test_login_through_the_hub_form_and_roles(hub):
    """A wrong password is refused; a right one starts that user's server, as that user."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{hub.url}/hub/login", timeout=60) as r:
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', r.read().decode())[1]

    def login(user, password):
        data = urllib.parse.urlencode({"username": user, "password": password, "_xsrf": xsrf})
        try:
            with opener.open(f"{hub.url}/hub/login", data=data.encode(), timeout=240) as r:
                return r.status, r.geturl(), r.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode(errors="replace")

    status, _, body = login("dlbk-s1", "wrong")
    assert status == 403 and "Invalid username or password" in body
    status, url, _ = login("dlbk-s1", PASSWORDS["dlbk-s1"])
    assert status == 200 and "dlbk-s1" in url, url
    deadline = time.monotonic() + 240  # the hub shows spawn-pending while the server starts
    while "/user/dlbk-s1/" not in url and time.monotonic() < deadline:
        time.sleep(2)
        with opener.open(f"{hub.url}/user/dlbk-s1/lab", timeout=60) as r:
            url = r.geturl()
    assert "/user/dlbk-s1/lab" in url, url
    owners = subprocess.run(["pgrep", "-u", "dlbk-s1", "-f", "jupyterhub.singleuser"],
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert owners.stdout.strip(), "student 1's server is not running as student 1"
