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


def _processes_with(text: str) -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline and str(os.getpid()) != pid:
            found.append(cmdline)
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
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
    assert _processes_with(MARKER) == [] and _processes_with("dlbook-kernel-") == []
    for done, _ in batch["runs"]:
        assert "changed files or grades" not in done.stdout
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
