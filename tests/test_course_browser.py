"""A term on the course server, in a real browser: release, fetch, submit, grade, feedback.

The real `./dlbook hub` on localhost (tests/course_server.py: real JupyterHub and its proxy,
real Unix users, nbgrader's exchange) with two students and a TA, and Debian's Chromium:
1. the TA releases chapter 01 (nbgrader release_assignment, as in the TA's terminal);
2. each student logs in through the hub's form, fetches chapter 01 in the Assignments tab
   (Nbgrader > Assignment List), fills one exercise in the notebook's editor (student A the
   reference answer, student B a wrong one), saves, and submits in the Assignments tab;
3. the TA collects, runs `./dlbook autograde 01_tensors` (the sandboxed grader) and
   `./dlbook export 01_tensors --release-feedback` (the exchange, ready students only);
4. each student clicks Fetch Feedback and opens their feedback page: their own answer is on
   it and the other's is not; A scores more than B.
What a student must not reach, from their own lab: the other student's server, the
Formgrader (not in their menu, not served), and, from their kernel, the exchange's inbound
list, the other's submission, the instructor's source and the gradebook. The TA's lab has the
Formgrader (so its absence for students is a switch, not a broken extension).
A failure keeps a screenshot of every open page under test-artifacts/browser/course-*/.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import pwd
import re
import time
from pathlib import Path

import pytest

from tests import course_server as cs
from tests.browser import lab as ui

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SLUG = "01_tensors"
NOTEBOOK = f"{SLUG}/{SLUG}.ipynb"
EXERCISE = "normalize_rows"
A, B, TA = "dlbc-s1", "dlbc-s2", "dlbc-ta"
PASSWORDS = {A: "a-Secret-7", B: "b-Secret-7", TA: "t-Secret-7"}
# The answers typed into the editor; the marker comment shows whose answer a page shows.
ANSWERS = {
    A: "def normalize_rows(X):\n    # answer of student A\n"
    "    return X / X.sum(dim=1, keepdim=True)\n",
    B: "def normalize_rows(X):\n    # answer of student B\n    return X / X.sum()\n",
}
MARKERS = {A: "answer of student A", B: "answer of student B"}
SPAWN_MS = 240_000


@pytest.fixture(scope="module")
def hub():
    missing = cs.missing_requirements() or ui.missing_requirements()
    if missing:
        pytest.skip(f"course browser test skipped: {missing}")
    with cs.one_course_server_at_a_time():
        hub = cs.make_hub()
        try:
            for name in (A, B):
                hub.add_user(name, "student", PASSWORDS[name])
            hub.add_user(TA, "ta", PASSWORDS[TA])
            hub.start()
            yield hub
        finally:
            hub.stop()
            hub.remove()


@pytest.fixture(scope="module")
def browser(hub):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # As in tests/test_browser.py: root (no sandbox), no GPU, nothing fetched from outside.
        flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip
        chromium = p.chromium.launch(executable_path=str(ui.CHROMIUM), args=flags)
        yield chromium
        chromium.close()


class Term:
    """One browser context (its own cookies: one login) per user, and their pages."""

    def __init__(self, hub, browser):
        self.hub, self.browser, self.pages, self.logged_in = hub, browser, {}, set()

    def page(self, user: str):
        if user not in self.pages:
            context = self.browser.new_context(viewport={"width": 1400, "height": 950})
            page = context.new_page()
            page.set_default_timeout(60_000)
            self.pages[user] = page
        return self.pages[user]

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()

    @contextlib.contextmanager
    def step(self, name: str):
        """Any failure inside: a screenshot of every user's page, then the test fails."""
        try:
            yield
        except Exception as err:  # noqa: BLE001 -- keep the pictures, then fail with the error
            folder = ui.keep_artifacts(f"course-{name}")
            for user, page in self.pages.items():
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(folder / f"{user}.png"), full_page=True)
            (folder / "hub.log").write_text("".join(self.hub.log[-200:]), encoding="utf-8")
            if isinstance(err, AssertionError | pytest.fail.Exception):
                message = str(err)
            else:
                message = f"{type(err).__name__}: {str(err)[:1500]}"
            pytest.fail(f"{name}: {message}\nscreenshots in {folder}", pytrace=False)


def login(term: Term, user: str):
    """Log in through the hub's form (once per user) and wait for the user's JupyterLab."""
    page = term.page(user)
    if user in term.logged_in:
        page.goto(f"{term.hub.url}/user/{user}/lab")
    else:
        page.goto(f"{term.hub.url}/hub/login")
        page.fill("#username_input", user)
        page.fill("#password_input", PASSWORDS[user])
        page.click("#login_submit")
        term.logged_in.add(user)
    page.wait_for_url(re.compile(f"/user/{user}/lab"), timeout=SPAWN_MS)
    page.wait_for_selector("#jp-main-dock-panel", timeout=SPAWN_MS)
    return page


def nbgrader_menu(page) -> list[str]:
    """The items of the lab's Nbgrader menu, as the user sees them."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Nbgrader$")).click()
    items = page.locator(".lm-Menu-itemLabel").all_inner_texts()
    page.keyboard.press("Escape")
    return [i.strip() for i in items if i.strip()]


def assignments_tab(page):
    ui.menu(page, "Nbgrader", "Assignment List")
    page.wait_for_selector("#released_assignments_list", timeout=60_000)
    return page


def item(page, listing: str, timeout_ms: int = 60_000):
    """The row for chapter 01 in one of the tab's lists (released, fetched, submitted)."""
    row = page.locator(f"#{listing}_assignments_list .list_item", has_text=SLUG).first
    row.wait_for(timeout=timeout_ms)
    return row


def status(page, url: str) -> int:
    """The HTTP status a request with this user's cookies ends at (redirects followed)."""
    return page.request.get(url).status


def fetch_fill_submit(term: Term, user: str) -> None:
    hub, home = term.hub, pwd.getpwnam(user).pw_dir
    page = assignments_tab(login(term, user))
    item(page, "released").get_by_role("button", name="Fetch").click()
    item(page, "fetched")
    notebook = Path(home) / NOTEBOOK
    assert notebook.exists(), f"Fetch did not put {NOTEBOOK} in {user}'s home"
    # Open the fetched notebook, type the answer into the exercise's cell, save.
    page.goto(f"{hub.url}/user/{user}/lab/tree/{NOTEBOOK}")
    page.wait_for_selector(ui.CELLS, timeout=120_000)
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    index = next(
        i for i, c in enumerate(cells)
        if c["metadata"].get("nbgrader", {}).get("grade_id") == EXERCISE
    )  # fmt: skip
    ui.replace_cell_source(page, index, ANSWERS[user])
    before = notebook.stat().st_mtime_ns
    ui.menu(page, "File", "Save Notebook")
    deadline = time.monotonic() + 60
    while notebook.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.3)
    saved = json.loads(notebook.read_text(encoding="utf-8"))["cells"][index]["source"]
    assert MARKERS[user] in "".join(saved), f"{user}'s answer was not saved: {saved!r}"
    if user == A:  # the course server's lab has the book's Validate dialog, as `./dlbook lab`
        sources, errors = ui.validate(page, "course-validate")
        problems = ui.validate_problems(sources, errors)
        assert sources and not problems, problems or "Validate listed no failing test"
    # Submit in the Assignments tab.
    assignments_tab(page)
    item(page, "fetched").get_by_role("button", name="Submit").click()
    item(page, "submitted", timeout_ms=120_000)


def as_ta(hub, *cmd: str):
    return hub.as_role(TA, "grader", *cmd, cwd=str(hub.course), check=True)


KERNEL_PROBE = """
import glob, os
inbound = {inbound!r}
for what, path in [("inbound list", inbound), ("course folder", {course!r}),
                   ("instructor source", {source!r}), ("gradebook", {gradebook!r}),
                   ("other home", {other_home!r})]:
    try:
        os.listdir(path) if os.path.isdir(path) else open(path).read(1)
        print("READABLE", what)
    except PermissionError:
        print("denied", what)
for path in {submissions!r}:
    try:
        open(path).read(1)
        print("READABLE other submission")
    except PermissionError:
        print("denied other submission")
"""


def probe_from_kernel(term: Term, user: str, other: str) -> list[str]:
    """From the student's own notebook kernel: what of the course can they open?"""
    hub, page = term.hub, term.page(user)
    inbound = hub.exchange / "dlbook" / "inbound"
    theirs = [str(p / f"{SLUG}.ipynb") for p in inbound.iterdir() if p.name.startswith(other)]
    assert theirs, f"no submission of {other} in the exchange"
    code = KERNEL_PROBE.format(
        inbound=str(inbound), course=str(hub.course),
        source=str(hub.book / "source" / SLUG / f"{SLUG}.ipynb"),
        gradebook=str(hub.course / "gradebook.db"),
        other_home=pwd.getpwnam(other).pw_dir, submissions=theirs,
    )  # fmt: skip
    page.goto(f"{hub.url}/user/{user}/lab/tree/{NOTEBOOK}")
    page.wait_for_selector(ui.CELLS, timeout=120_000)
    page.wait_for_function(
        "() => /\\| Idle/.test(document.querySelector('#jp-main-statusbar')?.innerText || '')",
        timeout=180_000,
    )
    index = ui.add_cell_at_end(page, code)
    ui.wait_until_idle(page, 120)
    return ui.cell_text(page, index).split("\n")


def fetch_feedback(term: Term, user: str) -> str:
    """Fetch Feedback in the Assignments tab, then the text of the feedback page it fetched."""
    hub, page = term.hub, term.page(user)
    assignments_tab(page)
    page.locator("#refresh_assignments_list").click()
    row = item(page, "submitted")
    row.get_by_role("button", name="Fetch Feedback").click()
    row.get_by_text("(view feedback)").wait_for(timeout=120_000)
    home = Path(pwd.getpwnam(user).pw_dir)
    (html,) = sorted((home / SLUG / "feedback").glob(f"*/{SLUG}.html"))
    # In a tab of its own, as the link opens it: the lab's tab may hold an unsaved notebook,
    # whose leave-page prompt would stop a navigation away from it.
    view = page.context.new_page()
    try:
        view.goto(f"{hub.url}/user/{user}/files/{html.relative_to(home)}")
        return view.inner_text("body")
    finally:
        view.close()


def test_a_term_on_the_course_server(hub, browser):
    term = Term(hub, browser)
    try:
        with term.step("release"):
            as_ta(hub, str(hub.env / "bin" / "python"), "-m", "nbgrader", "release_assignment",
                  SLUG, "--force")  # fmt: skip
        with term.step("student-tools"):
            page = login(term, A)
            menu = nbgrader_menu(page)
            assert "Assignment List" in menu, menu
            assert not {"Formgrader", "Create assignment", "Course List"} & set(menu), menu
            assert status(page, f"{hub.url}/user/{A}/formgrader") == 404
        with term.step("ta-tools"):
            page = login(term, TA)
            assert "Formgrader" in nbgrader_menu(page)
            assert status(page, f"{hub.url}/user/{TA}/formgrader") == 200
        with term.step("student-a-submits"):
            fetch_fill_submit(term, A)
        with term.step("student-b-submits"):
            fetch_fill_submit(term, B)
        with term.step("isolation"):
            page = term.page(B)
            assert status(page, f"{hub.url}/user/{A}/api/contents") == 403
            assert status(page, f"{hub.url}/user/{A}/lab") == 403
            shown = probe_from_kernel(term, B, A)
            readable = [line for line in shown if line.startswith("READABLE")]
            assert not readable and len([x for x in shown if x.startswith("denied")]) == 6, shown
        with term.step("grading"):
            as_ta(hub, str(hub.env / "bin" / "python"), "-m", "nbgrader", "collect", SLUG)
            graded = hub.grade(SLUG)  # as root: the sandbox gives each kernel its own uid
            assert graded.returncode == 0, graded.stdout + graded.stderr
            assert "2 graded, 0 flagged" in graded.stdout, graded.stdout
            exported = hub.as_role(TA, "grader", str(hub.book / "dlbook"), "export", SLUG,
                                   "--release-feedback", cwd=str(hub.course))  # fmt: skip
            assert "Feedback released through the exchange" in exported.stdout, (
                exported.stdout + exported.stderr
            )
            grades = (hub.course / "exports" / SLUG / "grades.csv").read_text(encoding="utf-8")
            rows = {r["student"]: r for r in csv.DictReader(io.StringIO(grades))}
            assert float(rows[A]["score"]) > float(rows[B]["score"]), grades
        for user, other in ((A, B), (B, A)):
            with term.step(f"feedback-{user}"):
                text = fetch_feedback(term, user)
                assert MARKERS[user] in text, text[:2000]
                assert MARKERS[other] not in text
    finally:
        term.close()
