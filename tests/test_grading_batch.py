"""Grading a whole course: parallel == serial, interrupt and resume, PostgreSQL with concurrent
graders, a Dask cluster end to end, and a TA report whose numbers are the gradebook's.

The slow tests grade real chapter-01 submissions with real nbgrader, sandbox on (every kernel
real).
"""

import csv
import os
import signal
import subprocess
import sys
import time

import pytest

from grading import batch, report
from grading.paths import default_db_url
from tests.nbgrader_course import Course
from tests.postgres import postgres_server, server_binaries
from tests.wrong_answers import wrong_answers
from tools.build import ROOT

SLUG = "01_tensors"


def _mixed_batch(root):
    """A course with chapter 01 and six submissions: right, blank, one wrong, missing, misnamed."""
    course = Course(root)
    source, release, wrong = course.release_chapter(SLUG)
    course.submit("ada", SLUG, source)
    course.submit("bob", SLUG, release)
    course.submit("cy", SLUG, wrong)
    course.submit("dee", SLUG, source)
    (root / "submitted" / "eve" / SLUG).mkdir(parents=True)  # nothing submitted
    course.submit("fay", SLUG, source)
    os.rename(
        root / "submitted" / "fay" / SLUG / f"{SLUG}.ipynb",
        root / "submitted" / "fay" / SLUG / "my_homework.ipynb",
    )  # wrong file name
    return course


def _cell_scores(db_url):
    return {
        (r.student, name): score
        for r in report.gradebook_rows(db_url, SLUG)
        for name, (score, _) in r.cells.items()
    }


# ------------------------------------------------------------------------- real grading
@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    course = _mixed_batch(tmp_path_factory.mktemp("serial"))
    summary = batch.grade_batch(course.root, SLUG, workers=1)
    return course, summary


@pytest.mark.slow
def test_serial_batch_grades_everyone_right(serial):
    course, summary = serial
    assert [o.student for o in summary.graded] == ["ada", "bob", "cy", "dee"]  # student order
    assert not summary.failed, summary.failed
    assert [s for s, _ in summary.not_gradable] == ["eve", "fay"]
    scores = course.scores(SLUG)
    full = scores["ada"][1]
    assert scores["ada"][0] == scores["dee"][0] == full > 0
    assert scores["bob"][0] == 0
    assert 0 < scores["cy"][0] < full
    # Rerunning grades nothing: everything is up to date.
    again = batch.grade_batch(course.root, SLUG, workers=2)
    assert again.graded == [] and len(again.skipped) == 4


@pytest.mark.slow
def test_parallel_gives_the_same_scores_as_serial(serial, tmp_path):
    course, _ = serial
    parallel = _mixed_batch(tmp_path)
    summary = batch.grade_batch(parallel.root, SLUG, workers=3)
    assert not summary.failed, summary.failed
    assert _cell_scores(default_db_url(parallel.root)) == _cell_scores(default_db_url(course.root))


@pytest.mark.slow
def test_report_numbers_are_the_gradebooks(serial):
    course, _ = serial
    folder = report.write_report(course.root, SLUG)
    rows = report.gradebook_rows(default_db_url(course.root), SLUG)

    with (folder / "scores.csv").open() as f:
        table = {r["student"]: r for r in csv.DictReader(f)}
    assert set(table) == {r.student for r in rows}
    for row in rows:
        assert float(table[row.student]["total"]) == row.total
        for name, (score, _) in row.cells.items():
            assert float(table[row.student][name]) == score
    with (folder / "exercises.csv").open() as f:
        for ex in csv.DictReader(f):
            scores = [r.cells[ex["grade_id"]][0] for r in rows]
            assert float(ex["mean"]) == pytest.approx(sum(scores) / len(scores), abs=1e-3)
    gid = wrong_answers()[SLUG][0]
    with (folder / "exercises.csv").open() as f:
        wrong_test = next(e for e in csv.DictReader(f) if e["grade_id"].startswith(gid))
    assert wrong_test["common_failures"], "the wrong answer's failure message is reported"
    with (folder / "flagged.csv").open() as f:
        flagged = {r["student"]: r["reason"] for r in csv.DictReader(f)}
    assert set(flagged) == {"eve", "fay"}
    assert flagged["eve"].startswith("missing notebook")
    assert flagged["fay"].startswith("wrong file name: my_homework.ipynb")
    assert (folder / "histogram.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_interrupted_batch_resumes_to_the_same_gradebook(serial, tmp_path):
    course, _ = serial
    _mixed_batch(tmp_path)
    cmd = [
        sys.executable,
        "-m",
        "grading",
        "autograde",
        SLUG,
        "--root",
        str(tmp_path),
        "--workers",
        "1",
        "--no-report",
    ]
    with subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        lines = []
        for line in proc.stdout:  # wait until two are graded, then Ctrl-C mid-batch
            lines.append(line)
            if line.startswith("[2/4]"):
                proc.send_signal(signal.SIGINT)
                break
        out = "".join(lines) + proc.stdout.read()
        assert proc.wait(timeout=120) == 130, out
    assert "run the same command again" in out
    done = [s for s in ["ada", "bob", "cy", "dee"] if batch.is_up_to_date(tmp_path, SLUG, s)]
    assert 2 <= len(done) < 4, out
    time.sleep(0.5)
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{len(done)} submission(s) already graded and unchanged" in rerun.stdout
    assert _cell_scores(default_db_url(tmp_path)) == _cell_scores(default_db_url(course.root))


needs_postgres = pytest.mark.skipif(
    server_binaries() is None,
    reason="PostgreSQL is not installed (apt-get install postgresql; .ci/run does this)",
)


@pytest.mark.slow
@needs_postgres
def test_postgres_gradebook_with_concurrent_graders_and_a_dask_cluster(serial, tmp_path):
    from distributed import Client, LocalCluster
    from sqlalchemy import create_engine, text

    course, _ = serial
    dist = _mixed_batch(tmp_path)
    with postgres_server() as url:
        # The assignment must be in the PostgreSQL gradebook, as in any new course.
        with (
            LocalCluster(
                n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            summary = batch.grade_batch(dist.root, SLUG, db_url=url, dask=client)
        assert not summary.failed, summary.failed
        assert len(summary.graded) == 4
        assert _cell_scores(url) == _cell_scores(default_db_url(course.root))
        engine = create_engine(url)
        with engine.connect() as db:
            subs = db.execute(
                text("select count(*), count(distinct student_id) from submitted_assignment")
            ).one()
            grades = db.execute(text("select count(*) from grade")).scalar()
            cells = db.execute(text("select count(*) from grade_cells")).scalar()
        engine.dispose()
        assert subs == (4, 4), "one submission row per student: none lost, none duplicated"
        assert grades == 4 * cells
