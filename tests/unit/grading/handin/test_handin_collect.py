"""`./dlbook collect`: every oddity of a real LMS download is resolved or listed with what to do.

Each test builds a download shaped like the LMS's (tests/lms_downloads.py), collects it into a
throw-away course and checks where each file went and the words the TA reads. Nothing runs a
kernel or nbgrader: these are fast.
"""

import csv
import subprocess
import sys
import zipfile
from datetime import datetime

import pytest

from grading.handin import archive, collect
from grading.handin.roster import Roster, RosterError, import_canvas
from tests import lms_downloads as dl

SLUG = "01_tensors"
NB1 = dl.notebook_bytes(SLUG, "first")
NB1_NEWER = dl.notebook_bytes(SLUG, "second")
NB2 = dl.notebook_bytes("02_autograd")


@pytest.fixture
def course(tmp_path):
    return dl.course(tmp_path)


def run(course, tmp_path, entries, **kw):
    download = dl.write_zip(tmp_path / "submissions.zip", entries)
    summary = collect.collect(course, SLUG, download, **kw)
    return summary, collect.render(summary)


def submitted(course, student):
    return (course / "submitted" / student / SLUG / f"{SLUG}.ipynb").read_bytes()


def handin_rows(course):
    with (course / "reports" / SLUG / "handin.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def test_clean_canvas_download(course, tmp_path):
    summary, text = run(
        course, tmp_path, [(dl.canvas("doejane", 12345, 900001, f"{SLUG}.ipynb"), NB1)]
    )
    assert submitted(course, "doejane") == NB1
    assert summary.placed == ["doejane"] and not summary.todo
    assert "Placed 1 notebook(s)" in text and "Nothing needs you." in text
    assert "New in roster.csv (1): doejane (canvas '12345')" in text
    assert Roster(course).find("canvas", "12345").student == "doejane"


def test_reupload_counter_the_newer_upload_wins(course, tmp_path):
    summary, text = run(course, tmp_path, [
        (dl.canvas("doejane", 12345, 900001, f"{SLUG}.ipynb"), NB1),
        (dl.canvas("doejane", 12345, 900001, f"{SLUG}-1.ipynb"), NB1_NEWER),
    ])  # fmt: skip
    assert submitted(course, "doejane") == NB1_NEWER
    assert (
        f"doejane: doejane_12345_900001_{SLUG}.ipynb: not used: older than "
        f"'doejane_12345_900001_{SLUG}-1.ipynb'" in text
    )
    assert not summary.todo  # resolved on its own, and kept:
    assert (
        course / "handin" / SLUG / "unused" / "doejane" / f"doejane_12345_900001_{SLUG}.ipynb"
    ).exists()


def test_late_flag_is_recorded_for_the_export(course, tmp_path):
    _, text = run(
        course, tmp_path, [(dl.canvas("doejane", 12345, 900001, f"{SLUG}.ipynb", late=True), NB1)]
    )
    assert (
        f"doejane: doejane_LATE_12345_900001_{SLUG}.ipynb: used (marked LATE by Canvas, which "
        "gives no time: the export says so and takes no penalty for it)" in text
    )
    with (course / "handin" / SLUG / "uploads.csv").open(newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["late"] == "yes" and row["prefix"] == "doejane_LATE_12345_900001_"


@pytest.mark.parametrize("name", ["Copy of 01_tensors (1).ipynb", "Untitled.ipynb", "hw1.ipynb"])
def test_renamed_notebook_is_known_by_its_cells(course, tmp_path, name):
    _, text = run(course, tmp_path, [(dl.canvas("doejane", 12345, 900001, name), NB1)])
    assert submitted(course, "doejane") == NB1
    assert f"used (uploaded as '{name}')" in text and "Nothing needs you." in text


def test_zip_with_folders_and_a_nested_zip(course, tmp_path):
    work = dl.zip_bytes([
        (f"work/{SLUG}/{SLUG}.ipynb", NB1_NEWER),
        (f"work/{SLUG}/.ipynb_checkpoints/{SLUG}-checkpoint.ipynb", NB1),
        ("work/__MACOSX/._01_tensors.ipynb", b"\0"),
    ])  # fmt: skip
    summary, text = run(course, tmp_path, [
        ("submissions/" + dl.canvas("leeann", 12347, 900003, "work.zip"), work),
        ("submissions/alice/" + f"{SLUG}.ipynb", NB1),  # a TA's own folder per student
    ])  # fmt: skip
    assert submitted(course, "leeann") == NB1_NEWER  # the autosave copy is older
    assert submitted(course, "alice") == NB1
    assert summary.litter == 1 and "1 system file(s) skipped" in text
    assert "-checkpoint.ipynb: not used: older than" in text


def test_wrong_chapter_is_listed_with_the_command_for_its_chapter(course, tmp_path):
    summary, text = run(
        course, tmp_path, [(dl.canvas("leeann", 12347, 900003, f"{SLUG}.ipynb"), NB2)]
    )
    assert not (course / "submitted" / "leeann").exists()
    assert (
        "leeann: leeann_12347_900003_01_tensors.ipynb: not used: chapter 02_autograd's notebook (by its graded cells)"
        in text
    )
    assert (
        "-> ask leeann for their 01_tensors notebook; if it is their 02_autograd work, collect it there: ./dlbook collect 02_autograd"
        in text
    )
    assert len(summary.todo) == 1
    assert (
        course / "handin" / SLUG / "unused" / "leeann" / "leeann_12347_900003_01_tensors.ipynb"
    ).read_bytes() == NB2


def test_wrong_chapter_next_to_the_right_one_needs_nobody(course, tmp_path):
    summary, text = run(course, tmp_path, [
        (dl.canvas("leeann", 12347, 900003, f"{SLUG}.ipynb"), NB1),
        (dl.canvas("leeann", 12347, 900003, "02_autograd.ipynb"), NB2),
    ])  # fmt: skip
    assert submitted(course, "leeann") == NB1 and not summary.todo
    assert "02_autograd.ipynb: not used: chapter 02_autograd's notebook" in text


@pytest.mark.parametrize(
    "filename, data, why",
    [
        ("01_tensors.py", b"x = 1\n", "not used: a Python script (Colab's File > Download > .py), not the notebook"),
        ("01_tensors.pdf", b"%PDF-1.5", "not used: a printout of the notebook, not the notebook"),
        ("01_tensors.ipynb", b'{"cells": [{"cell_type": "code",', "not used: not a valid notebook: its JSON breaks at line 1, column 33"),
        ("01_tensors.ipynb", b"<!DOCTYPE html><p>Session expired</p>", "not used: a web page saved under a notebook's name, not a notebook"),
        ("01_tensors.ipynb", b"", "not used: an empty file"),
    ],
)  # fmt: skip
def test_not_a_notebook_asks_for_the_ipynb(course, tmp_path, filename, data, why):
    _, text = run(course, tmp_path, [(dl.canvas("kimray", 12348, 900004, filename), data)])
    assert f"kimray: kimray_12348_900004_{filename}: {why}" in text
    assert (
        "-> ask kimray to upload 01_tensors.ipynb again (in Jupyter or Colab: File > Download > "
        ".ipynb); then collect the new download and grade them with ./dlbook autograde "
        "01_tensors --student kimray" in text
    )
    assert not (course / "submitted" / "kimray").exists()
    kept = course / "handin" / SLUG / "unused" / "kimray" / f"kimray_12348_900004_{filename}"
    assert kept.exists() or not data  # an empty file has nothing to keep


def test_notebook_saved_under_another_extension_is_used(course, tmp_path):
    _, text = run(
        course, tmp_path, [(dl.canvas("kimray", 12348, 900004, "01_tensors.ipynb.txt"), NB1)]
    )
    assert submitted(course, "kimray") == NB1
    assert "a notebook saved as .txt" in text


def test_file_whose_owner_is_unknown(course, tmp_path):
    _, text = run(course, tmp_path, [(f"{SLUG}.ipynb", NB1)])
    assert "?: 01_tensors.ipynb: whose it is cannot be told from its name" in text
    assert (
        "-> find whose file '01_tensors.ipynb' is, then put it at submitted/<student>/01_tensors/01_tensors.ipynb"
        in text
    )
    assert (
        course / "handin" / SLUG / "unused" / "_whose_unknown" / f"{SLUG}.ipynb"
    ).read_bytes() == NB1


def test_two_different_notebooks_nothing_says_which_is_newer(course, tmp_path):
    when = datetime(2027, 1, 15, 12, 0)
    summary, _ = run(course, tmp_path, [
        (dl.canvas("doejane", 12345, 900001, "a.ipynb"), NB1, when),
        (dl.canvas("doejane", 12345, 900001, "b.ipynb"), NB1_NEWER, when),
    ])  # fmt: skip
    (item,) = summary.todo
    assert (
        "doejane uploaded two different 01_tensors notebooks and nothing says which is newer"
        in item.todo
    )
    assert (
        "copy it (kept in handin/01_tensors/unused/) to submitted/doejane/01_tensors/01_tensors.ipynb"
        in item.todo
    )


def test_zip_times_decide_between_two_uploads(course, tmp_path):
    run(course, tmp_path, [
        (dl.canvas("doejane", 12345, 900001, "a.ipynb"), NB1_NEWER, datetime(2027, 1, 15, 13, 0)),
        (dl.canvas("doejane", 12345, 900001, "b.ipynb"), NB1, datetime(2027, 1, 15, 12, 0)),
    ])  # fmt: skip
    assert submitted(course, "doejane") == NB1_NEWER


def test_blackboard_newest_attempt_wins_and_its_time_is_kept(course, tmp_path):
    early, late = datetime(2027, 1, 14, 10, 0, 0), datetime(2027, 1, 15, 18, 30, 0)
    a = "Chapter 1"
    entries = []
    for when, nb in ((early, NB1), (late, NB1_NEWER)):
        stored = dl.blackboard(a, "j_doe", when, f"{SLUG}.ipynb")
        entries.append(
            (
                dl.blackboard(a, "j_doe", when),
                dl.blackboard_receipt("Jane Doe", "j_doe", a, when, [(f"{SLUG}.ipynb", stored)]),
            )
        )
        entries.append((stored, nb))
    summary, text = run(course, tmp_path, entries, tz="Europe/Berlin")
    assert submitted(course, "j_doe") == NB1_NEWER
    stamp = (course / "submitted" / "j_doe" / SLUG / "timestamp.txt").read_text()
    assert stamp == "2027-01-15 17:30:00.000000 UTC"  # 18:30 in Berlin (winter: UTC+1)
    assert summary.receipts == 2 and "2 Blackboard receipt(s)" in text


def test_a_newer_download_replaces_and_an_older_one_does_not(course, tmp_path):
    a, t1, t2, t0 = (
        "Chapter 1",
        datetime(2027, 1, 14, 9),
        datetime(2027, 1, 15, 9),
        datetime(2027, 1, 13, 9),
    )
    first = dl.write_zip(
        tmp_path / "one.zip", [(dl.blackboard(a, "jdoe", t1, f"{SLUG}.ipynb"), NB1)]
    )
    collect.collect(course, SLUG, first)
    newer = dl.write_zip(
        tmp_path / "two.zip", [(dl.blackboard(a, "jdoe", t2, f"{SLUG}.ipynb"), NB1_NEWER)]
    )
    text = collect.render(collect.collect(course, SLUG, newer))
    assert submitted(course, "jdoe") == NB1_NEWER
    assert "the earlier notebook moved to handin/01_tensors/replaced/jdoe/" in text
    (moved,) = (course / "handin" / SLUG / "replaced" / "jdoe").glob(f"*/{SLUG}.ipynb")
    assert moved.read_bytes() == NB1 and (moved.parent / "timestamp.txt").exists()
    older = dl.write_zip(
        tmp_path / "three.zip", [(dl.blackboard(a, "jdoe", t0, f"{SLUG}.ipynb"), NB1)]
    )
    text = collect.render(collect.collect(course, SLUG, older))
    assert submitted(course, "jdoe") == NB1_NEWER
    assert ("not used: older (2027-01-13 09:00 UTC) than the notebook already in "
            "submitted/jdoe/01_tensors/ (2027-01-15 09:00 UTC)") in text  # fmt: skip


def test_same_download_twice_changes_nothing(course, tmp_path):
    entries = [(dl.canvas("doejane", 12345, 900001, f"{SLUG}.ipynb"), NB1)]
    run(course, tmp_path, entries)
    summary, text = run(course, tmp_path, entries)
    assert "used (already in submitted/)" in text and not summary.new_students
    assert not (course / "handin" / SLUG / "replaced").exists()


def test_moodle_folders_give_name_and_participant_id(course, tmp_path):
    run(course, tmp_path, [
        (dl.moodle("José Núñez", 654321, f"{SLUG}.ipynb"), NB1),
        (dl.moodle("José Núñez", 654321, "onlinetext.html").replace("_file_", "_onlinetext_"), b"<p>hi</p>"),
    ])  # fmt: skip
    assert submitted(course, "josenunez") == NB1
    with (course / "handin" / SLUG / "uploads.csv").open(newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["lms"], row["lms_key"], row["ref"]) == ("moodle", "José Núñez", "654321")


def test_roster_ids_are_used_and_kept_unique(course, tmp_path):
    (course / "roster.csv").write_text(
        "student,name,email,lms,lms_key,sis_user_id,sis_login_id,section\n"
        'jdoe,"Doe, Jane",,canvas,12345,S1,jdoe,A\ndoejane,,,,,,,\n'
    )
    run(course, tmp_path, [
        (dl.canvas("doejane", 12345, 900001, f"{SLUG}.ipynb"), NB1),
        (dl.canvas("doejane", 99999, 900009, f"{SLUG}.ipynb"), NB1_NEWER),  # another Jane Doe
    ])  # fmt: skip
    assert submitted(course, "jdoe") == NB1
    assert submitted(course, "doejane2") == NB1_NEWER


def test_every_file_is_placed_or_kept_and_listed(course, tmp_path):
    entries = [
        (dl.canvas("doejane", 12345, 1, f"{SLUG}.ipynb"), NB1),
        (dl.canvas("doejane", 12345, 1, f"{SLUG}-1.ipynb"), NB1_NEWER),
        (dl.canvas("leeann", 12347, 3, f"{SLUG}.ipynb"), NB2),
        (dl.canvas("kimray", 12348, 4, "notes.pdf"), b"%PDF"),
        ("stray.ipynb", NB1),
    ]
    run(course, tmp_path, entries)
    rows = handin_rows(course)
    assert sorted(r["file"] for r in rows) == sorted(e[0] for e in entries)
    for r in rows:
        assert r["outcome"].startswith(("used", "not used")) or r["what to do"]
        if not r["outcome"].startswith("used"):
            assert (course / r["kept at"]).exists(), r
    assert list((course / "handin" / SLUG / "downloads").glob("*-submissions.zip"))


def test_dry_run_writes_nothing(course, tmp_path):
    summary, _ = run(
        course, tmp_path, [(dl.canvas("doejane", 1, 2, f"{SLUG}.ipynb"), NB1)], dry_run=True
    )
    assert summary.placed == ["doejane"]
    assert sorted(p.name for p in course.iterdir()) == ["source"]


def test_damaged_member_zip_and_oversized_file(course, tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_FILE_BYTES", 1000)
    summary, text = run(course, tmp_path, [
        (dl.canvas("doejane", 1, 2, "work.zip"), b"PK\x03\x04 not really"),
        (dl.canvas("leeann", 3, 4, f"{SLUG}.ipynb"), NB1),
    ])  # fmt: skip
    assert "doejane: doejane_1_2_work.zip: not used: a damaged zip (" in text
    assert (
        f"leeann: leeann_3_4_{SLUG}.ipynb: not used: too large to read (0 MB; limit 0 MB)" in text
    )
    assert len(summary.todo) == 2


def test_encrypted_member_is_listed(course, tmp_path):
    path = tmp_path / "submissions.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(dl.canvas("doejane", 1, 2, f"{SLUG}.ipynb"), NB1)
    data = bytearray(path.read_bytes())  # set the "encrypted" flag a password-protected zip has
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 0x1
    data[6] |= 0x1
    path.write_bytes(bytes(data))
    text = collect.render(collect.collect(course, SLUG, path))
    assert "not used: encrypted in the zip (password protected)" in text


def test_errors_that_stop_the_command(course, tmp_path):
    bad = tmp_path / "download.zip"
    bad.write_bytes(b"this is an HTML error page, not a zip")
    cmd = [sys.executable, "-m", "grading.handin", "collect", SLUG, str(bad), "--root", str(course)]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True, cwd=dl.ROOT)
    assert done.returncode == 2
    assert (
        f"dlbook collect: {bad} is not a readable zip (File is not a zip file). Download the submissions from the LMS again"
        in done.stderr
    )
    done = subprocess.run(
        cmd[:4] + ["99_nothing", str(bad), "--root", str(course)],
        check=False,
        capture_output=True,
        text=True,
        cwd=dl.ROOT,
    )
    assert (
        "dlbook collect: no chapter '99_nothing' in" in done.stderr
        and "01_tensors, 02_autograd" in done.stderr
    )
    with pytest.raises(collect.CollectError, match="unknown time zone 'Mars/Olympus'"):
        run(
            course,
            tmp_path,
            [(dl.blackboard("A", "u", datetime(2027, 1, 1), f"{SLUG}.ipynb"), NB1)],
            tz="Mars/Olympus",
        )


def test_collect_command_output(course, tmp_path):
    download = dl.write_zip(
        tmp_path / "s.zip", [(dl.canvas("doejane", 1, 2, f"{SLUG}.ipynb"), NB1)]
    )
    done = subprocess.run(
        [sys.executable, "-m", "grading.handin", "collect", SLUG, str(download), "--root", str(course)],
        check=False, capture_output=True, text=True, cwd=dl.ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Next: ./dlbook autograde 01_tensors" in done.stdout


def test_roster_problems_are_explained(course, tmp_path):
    (course / "roster.csv").write_text("name,email\nJane,\n")
    with pytest.raises(RosterError, match="has no 'student' column"):
        Roster(course)
    (course / "roster.csv").write_text("student,lms,lms_key\na,canvas,1\nb,canvas,1\n")
    with pytest.raises(RosterError, match="canvas id '1' belongs to both 'a' and 'b'; keep one"):
        Roster(course)
    not_canvas = tmp_path / "grades.csv"
    not_canvas.write_text("Name,Score\nJane,3\n")
    (course / "roster.csv").unlink()
    with pytest.raises(
        RosterError, match="is not Canvas's gradebook export: no Student, ID, SIS Login ID column"
    ):
        import_canvas(course, not_canvas)


def test_roster_from_canvas_gradebook_export(course, tmp_path):
    export = tmp_path / "2027-01-20T1200_Grades-DL101.csv"
    export.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Chapter 1: Tensors (5501),Chapter 2: Autograd (5502)\n"
        "    Points Possible,,,,,22,20\n"
        '"Doe, Jane",12345,S0042,jdoe,DL101-A,,\n'
        '"Student, Test",99999,,,DL101-A,,\n'
    )
    assert import_canvas(course, export) == (1, 0)
    e = Roster(course).find("canvas", "12345")
    assert (e.student, e.name, e.sis_user_id, e.section) == (
        "jdoe",
        "Doe, Jane",
        "S0042",
        "DL101-A",
    )
    assert (course / "handin" / "canvas_columns.txt").read_text().splitlines() == [
        "Chapter 1: Tensors (5501)", "Chapter 2: Autograd (5502)"
    ]  # fmt: skip
    assert import_canvas(course, export) == (0, 1)  # again: updated, not duplicated
