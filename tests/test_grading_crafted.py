"""Crafted submissions, graded by the real `python -m grading autograde` with the sandbox on.

One chapter-01 batch: controls (full, wrong, blank), exploits on a wrong answer (each must
score exactly what the wrong answer scores), honest noise (full marks), faults (lose only the
broken exercise, flagged when the kernel died) and broken notebooks (flagged, graded, never
abort the batch). The whole batch is graded three times (`--force`), two workers at a time,
and every submission must score the same each time.
After grading: no process left behind, no network connection made, course files unchanged,
feedback for everyone, no hidden test in any feedback.
"""

import copy
import ctypes
import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading

import nbformat
import pytest

from grading.paths import FLAGS_FILE
from tests.crafted import EXPLOITS, FAULTS, HONEST, MARKER, SABOTAGE
from tests.nbgrader_course import Course, nbg
from tests.wrong_answers.ch01 import SLUG, WRONG
from tools.build import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap"),
]
REGRADES = 3
TIMEOUT = 20  # per cell, so the infinite loop costs seconds, not a minute


def _index(nb, gid):
    return next(i for i, c in enumerate(nb.cells) if nbg(c).get("grade_id") == gid)


def _points(nb, gid):
    return float(nbg(nb.cells[_index(nb, f"{gid}_test")])["points"])


class _Listener:
    """A TCP server on the grader's loopback that counts connections (there must be none)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.sock.settimeout(0.5)
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                self.sock.accept()[0].close()
                self.accepted += 1
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


def _become_subreaper() -> None:
    """Make this test process the adopter of every orphan its grading runs leave (Linux
    PR_SET_CHILD_SUBREAPER), so that "nothing escaped" looks at this test's own processes only:
    a second course graded on the same machine must not turn this test red (issue 22)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:  # 36: PR_SET_CHILD_SUBREAPER
        pytest.skip(f"prctl(PR_SET_CHILD_SUBREAPER) failed: {os.strerror(ctypes.get_errno())}")


def _own_descendants() -> set[str]:
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                # The name (field 2) may hold spaces; the parent pid follows its closing ")".
                parents[pid] = f.read().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
    mine, frontier = set(), {str(os.getpid())}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - mine
        mine |= frontier
    return mine


def _processes_with(text: str, among: set[str]) -> list[str]:
    found = []
    for pid in among:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline:
            found.append(cmdline)
    return found


def test_a_left_over_daemon_is_seen_and_other_processes_are_not():
    # The check below must be able to fail: an orphaned daemon of ours is found ...
    _become_subreaper()
    code = "import subprocess; subprocess.Popen(['sleep', '30'], start_new_session=True)"
    subprocess.run([sys.executable, "-c", code], check=True)
    mine = _own_descendants()
    try:
        assert _processes_with("sleep 30", mine) == ["sleep 30 "]
        # ... and processes that are not ours (init, whoever started pytest) are not looked at.
        assert "1" not in mine and str(os.getppid()) not in mine
    finally:
        subprocess.run(["pkill", "-f", "^sleep 30$"], check=False)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    _become_subreaper()
    course = Course(tmp_path_factory.mktemp("crafted"))
    course.add_source(SLUG)
    course.nbgrader("generate_assignment", SLUG, "--force")
    source, release = course.source(SLUG), course.release(SLUG)
    gid, wrong_src = WRONG
    wi = _index(source, gid)
    listener = _Listener()
    tests = [
        (i, float(nbg(c)["points"]))
        for i, c in enumerate(source.cells)
        if nbg(c).get("grade") and not nbg(c).get("solution")
    ]
    full, lost = sum(p for _, p in tests), _points(source, gid)
    before_exploit = sum(p for i, p in tests if i < wi)

    deserved = {}

    def submit(name, nb, score):
        course.submit(name, SLUG, nb)
        deserved[name] = score

    def changed(nb, index, extra):
        out = copy.deepcopy(nb)
        out.cells[index].source += "\n" + extra
        return out

    wrong = copy.deepcopy(source)
    wrong.cells[wi].source = wrong_src
    submit("full", source, full)
    submit("wrong", wrong, full - lost)
    submit("blank", release, 0.0)
    for name, code in EXPLOITS.items():
        submit(
            name,
            changed(wrong, wi, code.replace("PORT", str(listener.port))),
            before_exploit if name in SABOTAGE else full - lost,
        )
    for name, (cell, code) in HONEST.items():
        submit(name, changed(source, _index(source, cell), code), full)
    for name, (cell, code) in FAULTS.items():
        submit(name, changed(source, _index(source, cell), code), full - _points(source, cell))
    extra_cells = copy.deepcopy(source)  # a student's own scratch cells between exercises
    extra_cells.cells.insert(
        wi + 2,
        nbformat.v4.new_code_cell("scratch = normalize_rows(torch.ones(2, 2))\nprint(scratch)"),
    )
    extra_cells.cells.insert(1, nbformat.v4.new_markdown_cell("My notes for this chapter."))
    submit("honest_extra_cells", extra_cells, full)
    duplicated = copy.deepcopy(source)
    twin = copy.deepcopy(source.cells[wi + 1])
    twin["id"] = "twin-of-the-test"  # the same grade_id, a distinct cell id
    duplicated.cells.insert(wi + 2, twin)
    submit("broken_duplicate", duplicated, full)
    renamed = copy.deepcopy(source)
    renamed.cells[wi].metadata["nbgrader"]["grade_id"] = "my_normalize_rows"
    submit("broken_renamed", renamed, full)
    markdown = copy.deepcopy(source)
    test = markdown.cells[wi + 1]
    markdown.cells[wi + 1] = nbformat.v4.new_markdown_cell(test.source, metadata=test.metadata)
    submit("broken_markdown", markdown, full)

    before = {p: p.read_bytes() for p in (course.root / "source").rglob("*") if p.is_file()}
    runs = []
    for run in range(REGRADES):
        again = ["--force"] if run else []
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "grading",
                "autograde",
                SLUG,
                f"--root={course.root}",
                f"--Execute.timeout={TIMEOUT}",
                "--workers=2",
                *again,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        runs.append((done, course.scores(SLUG)))
    listener.close()
    after = {p: p.read_bytes() for p in (course.root / "source").rglob("*") if p.is_file()}
    return {
        "course": course,
        "runs": runs,
        "deserved": deserved,
        "source": source,
        "connections": listener.accepted,
        "source_unchanged": before == after,
    }


def test_every_submission_scores_what_it_deserves(batch):
    scores = batch["runs"][0][1]
    wrong = {
        name: (scores.get(name, (None,))[0], want)
        for name, want in batch["deserved"].items()
        if scores.get(name, (None,))[0] != want
    }
    assert not wrong, f"(got, deserved): {wrong}\n{batch['runs'][0][0].stdout[-3000:]}"


def test_regrading_three_times_gives_identical_scores(batch):
    first = batch["runs"][0][1]
    for done, scores in batch["runs"][1:]:
        regraded = [s for s in batch["deserved"] if f"\n{s} " in done.stdout]
        assert regraded == list(batch["deserved"]), done.stdout[-2000:]
        assert scores == first


def _flags(batch, student):
    path = batch["course"].root / "autograded" / student / SLUG / FLAGS_FILE
    return json.loads(path.read_text())["flags"] if path.exists() else []


def test_faults_and_broken_notebooks_are_flagged_for_the_ta(batch):
    assert any("kernel died" in f["reason"] for f in _flags(batch, "os_exit"))
    assert any("appears 2 times" in f["reason"] for f in _flags(batch, "broken_duplicate"))
    assert any("unknown grade_id" in f["reason"] for f in _flags(batch, "broken_renamed"))
    assert any("markdown" in f["reason"] for f in _flags(batch, "broken_markdown"))
    done = batch["runs"][-1][0]
    assert "os_exit" in done.stdout and "kernel died" in done.stdout  # the printed summary
    for name in ("full", "wrong", "honest_noise", "lying_subclass"):
        assert _flags(batch, name) == [], name  # nothing to look at: no false alarms


def test_nothing_escaped_the_sandbox(batch):
    assert batch["connections"] == 0
    assert batch["source_unchanged"]
    mine = _own_descendants()
    assert _processes_with(MARKER, mine) == [] and _processes_with("dlbook-kernel-", mine) == []
    for done, _ in batch["runs"]:
        # batch.py prints this to stderr (with two workers); stdout alone could never show it.
        assert "changed files or grades" not in done.stdout + done.stderr
    extra = [s for s, (score, _) in batch["runs"][-1][1].items() if score > batch["deserved"][s]]
    assert not extra


def test_everyone_gets_feedback_without_hidden_tests_or_huge_files(batch):
    root = batch["course"].root
    hidden = set()
    for cell in batch["source"].cells:
        for block in re.findall(
            r"BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", cell.source, re.DOTALL
        ):
            hidden |= {ln.strip() for ln in block.splitlines() if len(ln.strip()) > 20}
    for student in batch["deserved"]:
        page = root / "feedback" / student / SLUG / f"{SLUG}.html"
        assert page.is_file(), student
        text = page.read_text(encoding="utf-8")
        assert not [ln for ln in hidden if ln in text], student
        graded = root / "autograded" / student / SLUG / f"{SLUG}.ipynb"
        assert graded.stat().st_size < 3_000_000 and page.stat().st_size < 3_000_000, student


# ---------------------------------------------------------------------------------------------
# The submission and its outputs are untrusted too (issue 24 item 4): a second batch, graded once
# by the real command with a small time budget, so the time waster costs seconds, not minutes.
# The budget scales with the solution's own run, measured in this run (a fresh reference cache),
# so a loaded machine slows both alike; the waste is long enough for any such budget and costs
# only the budget, since grading stops there.
BUDGET_FLOOR, BUDGET_FACTOR, WASTE_CELLS = 20, 4, 20
SCRIPTS = """<script>alert('stored')</script> <img src=x onerror="alert(1)">
[click](javascript:alert(2)) <a href="javascript:alert(3)">here</a>"""
SHOWS_SCRIPTS = """
from IPython.display import HTML, Javascript, Markdown, display
display(HTML('<b onclick="alert(4)">bold</b><script>alert(5)</script>'))
display(Javascript('alert(6)'))
display(Markdown('<img src=x onerror=alert(7)>'))
"""
UPDATE_BOMB = """
_h = display('start', display_id=True)
for _ in range(40):
    _h.update('y' * 200_000)
_g = display('small', display_id=True)
_g.update('z' * 3_000_000)
"""
# An answer that keeps what its callers (the test cells) hold, and later cells that print it and
# every history the kernel keeps.
THIEF_ANSWER = """
import sys as _sys, linecache as _lc
_stash = []
def normalize_rows(X):
    _f = _sys._getframe(1)
    _stash.append((_f.f_code.co_consts, _lc.getlines(_f.f_code.co_filename), dict(_f.f_globals)))
    return X / X.sum()
"""
THIEF_PRINTS = [
    "print(_stash)",
    "print(In); print(_ih); print(Out)",
    "print({k: v for k, v in globals().items() if not k.startswith('__')})",
    "import linecache\nprint([v[2] for v in linecache.cache.values() if 'dlbook' in str(v[2])])",
    "print(get_ipython().history_manager.input_hist_raw)",
]


def _leaks_course(root, source_bytes: bytes) -> list[str]:
    """Files in autograded/ or feedback/ that are a course file: the solution or a gradebook."""
    found = []
    for top in ("autograded", "feedback"):
        for path in (root / top).rglob("*") if (root / top).exists() else []:
            if path.is_symlink() or (path.is_file() and path.stat().st_nlink > 1):
                found.append(f"{path} is a link")
            elif path.is_file():
                data = path.read_bytes()
                if data == source_bytes or data.startswith(b"SQLite format 3"):
                    found.append(str(path))
    return found


@pytest.fixture(scope="module")
def untrusted(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("untrusted"))
    course.add_source(SLUG)
    course.nbgrader("generate_assignment", SLUG, "--force")
    source = course.source(SLUG)
    gid, wrong_src = WRONG
    wi = _index(source, gid)
    tests = [
        (i, float(nbg(c)["points"]))
        for i, c in enumerate(source.cells)
        if nbg(c).get("grade") and not nbg(c).get("solution")
    ]
    full, lost = sum(p for _, p in tests), _points(source, gid)
    wrong = copy.deepcopy(source)
    wrong.cells[wi].source = wrong_src
    deserved, refused = {}, {}
    folder = lambda name: course.root / "submitted" / name / SLUG

    def submit(name, nb, score):
        course.submit(name, SLUG, nb)
        deserved[name] = score

    submit("control_full", source, full)
    submit("control_wrong", wrong, full - lost)
    solution = course.root / "source" / SLUG / f"{SLUG}.ipynb"
    # Refused before nbgrader copies anything: each would hand the course to the student.
    course.submit("link_to_solution", SLUG, wrong)
    (folder("link_to_solution") / f"{SLUG}.ipynb").unlink()
    (folder("link_to_solution") / f"{SLUG}.ipynb").symlink_to(solution)
    refused["link_to_solution"] = f"{SLUG}.ipynb: a symbolic link"
    course.submit("link_to_gradebook", SLUG, wrong)
    (folder("link_to_gradebook") / "gradebook.db").symlink_to(course.root / "gradebook.db")
    refused["link_to_gradebook"] = "gradebook.db: a symbolic link"
    course.submit("hardlink_to_solution", SLUG, wrong)
    os.link(solution, folder("hardlink_to_solution") / "my_notes.json")
    refused["hardlink_to_solution"] = "my_notes.json: a hard link"
    course.submit("fifo", SLUG, wrong)
    os.mkfifo(folder("fifo") / "data.csv")  # nbgrader's copy would block on it for good
    refused["fifo"] = "data.csv: a FIFO"

    scripts = copy.deepcopy(source)
    scripts.cells.insert(wi + 2, nbformat.v4.new_markdown_cell(SCRIPTS))
    scripts.cells.insert(wi + 3, nbformat.v4.new_code_cell(SHOWS_SCRIPTS))
    submit("scripts_everywhere", scripts, full)
    bomb = copy.deepcopy(source)
    bomb.cells.insert(wi + 2, nbformat.v4.new_code_cell(UPDATE_BOMB))
    for _ in range(7):
        bomb.cells.insert(wi + 2, nbformat.v4.new_code_cell("display('w' * 900_000)"))
    submit("output_bomb", bomb, full)
    thief = copy.deepcopy(source)
    thief.cells[wi].source = THIEF_ANSWER
    for code in reversed(THIEF_PRINTS):  # after the last test cell: everything has run by then
        thief.cells.append(nbformat.v4.new_code_cell(code))
    submit("history_thief", thief, full - lost)
    waster = copy.deepcopy(source)
    stop = _index(source, "dataframe_to_tensors")  # the waste goes before this exercise
    for _ in range(WASTE_CELLS):  # each under the per-cell limit, together past the budget
        waster.cells.insert(stop, nbformat.v4.new_code_cell("import time\ntime.sleep(9)"))
    submit("time_waster", waster, sum(p for i, p in tests if i < stop))

    source_bytes = solution.read_bytes()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "grading",
            "autograde",
            SLUG,
            f"--root={course.root}",
            f"--Execute.timeout={TIMEOUT}",
            f"--GradingExecute.time_budget_floor={BUDGET_FLOOR}",
            f"--GradingExecute.time_budget_factor={BUDGET_FACTOR}",
            "--workers=2",
        ],
        cwd=ROOT,
        env={**os.environ, "DLBOOK_REFERENCE_CACHE": str(course.root.parent / "reference")},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    return {
        "course": course,
        "done": done,
        "scores": course.scores(SLUG),
        "deserved": deserved,
        "refused": refused,
        "source": source,
        "leaks": _leaks_course(course.root, source_bytes),
    }


def _untrusted_flags(untrusted, student):
    path = untrusted["course"].root / "autograded" / student / SLUG / FLAGS_FILE
    return json.loads(path.read_text())["flags"] if path.exists() else []


def test_untrusted_submissions_score_what_they_deserve(untrusted):
    scores = untrusted["scores"]
    got = {name: scores.get(name, (None,))[0] for name in untrusted["deserved"]}
    assert got == untrusted["deserved"], untrusted["done"].stdout[-3000:]


def test_links_and_fifos_are_refused_before_nbgrader_copies_anything(untrusted):
    root, done = untrusted["course"].root, untrusted["done"]
    assert untrusted["leaks"] == []  # nothing of the course in autograded/ or feedback/
    report = (root / "reports" / SLUG / "flagged.csv").read_text()
    for student, what in untrusted["refused"].items():
        assert student not in untrusted["scores"], student  # never graded
        assert not (root / "autograded" / student / SLUG / f"{SLUG}.ipynb").exists()
        assert not (root / "feedback" / student).exists()
        assert f"{student}: not graded, refused" in done.stdout and what in done.stdout
        assert f"--student {student}" in done.stdout  # what the TA does next
        line = next(ln for ln in report.splitlines() if ln.startswith(student + ","))
        assert "refused_files" in line and what in line, line


def _rendered_html(nb) -> str:
    """What the formgrader renders as HTML: markdown cells and HTML/markdown outputs (a code
    cell's source is shown as escaped text)."""
    parts = [c.source for c in nb.cells if c.cell_type == "markdown"]
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            parts += [str(data[m]) for m in ("text/html", "text/markdown") if m in data]
            parts += ["<script>"] if "application/javascript" in data else []
    return "\n".join(parts)


# A script tag, an event handler inside a tag, a javascript: URL in a link-like attribute.
DANGER = re.compile(
    r"<script|<[a-z][^>]*\son[a-z]+\s*=|(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE
)


def test_no_script_reaches_a_page_and_the_ta_is_told(untrusted):
    root = untrusted["course"].root
    for student in untrusted["deserved"]:
        page = (root / "feedback" / student / SLUG / f"{SLUG}.html").read_text(encoding="utf-8")
        head, body = page.split("</head>")
        assert "<script" not in head.lower(), student
        assert not DANGER.search(body), (student, DANGER.search(body))
        graded = nbformat.read(root / "autograded" / student / SLUG / f"{SLUG}.ipynb", 4)
        assert not DANGER.search(_rendered_html(graded)), student  # the formgrader's view
        assert "<style" in head and 'class="panel' in body  # the page keeps its styling
    assert "bold" in (root / "feedback/scripts_everywhere" / SLUG / f"{SLUG}.html").read_text()
    kinds = {f["kind"] for f in _untrusted_flags(untrusted, "scripts_everywhere")}
    assert "unsafe_html" in kinds, kinds


def test_display_updates_are_capped_and_flagged(untrusted):
    root = untrusted["course"].root
    graded = root / "autograded" / "output_bomb" / SLUG / f"{SLUG}.ipynb"
    page = root / "feedback" / "output_bomb" / SLUG / f"{SLUG}.html"
    assert graded.stat().st_size < 5_500_000 and page.stat().st_size < 6_000_000
    assert "z" * 10_000 not in graded.read_text()
    assert "output_cap" in {f["kind"] for f in _untrusted_flags(untrusted, "output_bomb")}


def test_a_time_waster_is_stopped_graded_on_what_ran_and_flagged(untrusted):
    flags = _untrusted_flags(untrusted, "time_waster")
    assert any(f["kind"] == "time_budget" and "time budget" in f["reason"] for f in flags), flags


def test_no_route_brings_hidden_tests_into_the_thiefs_feedback(untrusted):
    root = untrusted["course"].root
    hidden = set()
    for cell in untrusted["source"].cells:
        for block in re.findall(
            r"BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", cell.source, re.DOTALL
        ):
            hidden |= {ln.strip() for ln in block.splitlines() if len(ln.strip()) > 20}
    page = (root / "feedback" / "history_thief" / SLUG / f"{SLUG}.html").read_text()
    shown = [
        ln for ln in hidden for v in (ln, html.escape(ln), html.escape(ln, False)) if v in page
    ]
    assert hidden and not shown, shown
    assert "__dlbook_record__" not in page
    assert "removed from feedback" in page  # the stash was printed, and taken out
    for student in ("control_full", "control_wrong"):
        assert _untrusted_flags(untrusted, student) == [], student  # a clean run flags nothing
