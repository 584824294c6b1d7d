"""grading.flags' kinds and the report's flagged list built from real folders and flag files."""

import csv
import json

import pytest

from grading import report
from grading.flags import KINDS, OTHER, Flag, note, noted, read_flags, write_flags
from grading.paths import flags_file

SLUG = "x"


def test_a_flag_round_trips_its_kind_through_the_file(tmp_path):
    flags = [Flag("used torch.matmul", "matmul_by_hand", kind="by_hand"), Flag("kernel died")]
    write_flags(tmp_path / "f.json", flags)
    assert read_flags(tmp_path / "f.json") == flags
    assert json.loads((tmp_path / "f.json").read_text())["flags"][0]["kind"] == "by_hand"


def test_an_unknown_kind_is_refused_where_the_flag_is_made():
    with pytest.raises(ValueError, match="unknown flag kind 'byhand'"):
        Flag("x", kind="byhand")
    with pytest.raises(ValueError):
        note({}, "x", kind="time-budget")


def test_a_file_written_before_kinds_reads_back_as_other(tmp_path):
    (tmp_path / "f.json").write_text('{"flags": [{"reason": "r", "cell": "c"}]}')
    assert read_flags(tmp_path / "f.json") == [Flag("r", "c", kind=OTHER)]


def test_note_carries_the_kind():
    resources = {}
    note(resources, "past the budget", kind="time_budget")
    assert [f.kind for f in noted(resources)] == ["time_budget"]


@pytest.fixture
def course(tmp_path):
    """Four submissions of `x`: clean, missing, refused (a symlink) and graded with flags."""
    for student in ("ann", "bob", "cyd", "dee"):
        (tmp_path / "submitted" / student / SLUG).mkdir(parents=True)
    (tmp_path / "submitted/ann/x/x.ipynb").write_text("{}")
    (tmp_path / "solution.ipynb").write_text("{}")
    (tmp_path / "submitted/cyd/x/x.ipynb").symlink_to(tmp_path / "solution.ipynb")
    (tmp_path / "submitted/dee/x/x.ipynb").write_text("{}")
    write_flags(
        flags_file(tmp_path, SLUG, "dee"),
        [
            Flag("sys._getframe in line 3", "add_answer", kind="introspection"),
            Flag("used torch.mm", "matmul", kind="by_hand"),
            Flag("reached torch.ops.aten.mm", "matmul", kind="by_hand"),
        ],
    )
    return tmp_path


def test_every_flag_class_reaches_the_report_with_its_kind(course):
    flagged = report.flags(course, SLUG, graded_students={"ann", "dee"})
    kinds = {(student, f.kind) for student, f in flagged}
    assert kinds == {
        ("bob", "not_gradable"),
        ("cyd", "refused_files"),
        ("dee", "introspection"),
        ("dee", "by_hand"),
    }
    assert report.kind_counts(flagged) == [
        ("by_hand", 2, 1),
        ("introspection", 1, 1),
        ("refused_files", 1, 1),
        ("not_gradable", 1, 1),
    ]
    assert [k for k, _, _ in report.kind_counts(flagged)] == [
        k for k in KINDS if k in {k for _, k in kinds}
    ]


def test_flagged_csv_and_summary_name_kind_cell_and_reason(course):
    flagged = report.flags(course, SLUG, graded_students={"ann", "dee"})
    out = course / "out"
    out.mkdir()
    report.write_flagged(out / "flagged.csv", flagged)
    with (out / "flagged.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {"student", "kind", "cell", "reason"} <= set(rows[0])
    dee = [r for r in rows if r["student"] == "dee"]
    assert {(r["kind"], r["cell"]) for r in dee} == {
        ("introspection", "add_answer"),
        ("by_hand", "matmul"),
    }
    text = report.markdown_summary(SLUG, [], [], flagged)
    assert "| by_hand | 2 | 1 |" in text
    assert "## Flagged for a person (3 submissions, 5 flags)" in text


def test_a_clean_batch_flags_nothing(course):
    for student in ("bob", "cyd", "dee"):
        for path in sorted((course / "submitted" / student).rglob("*"), reverse=True):
            path.unlink() if not path.is_dir() else path.rmdir()
        (course / "submitted" / student).rmdir()
    flags_file(course, SLUG, "dee").unlink()
    assert report.flags(course, SLUG, graded_students={"ann"}) == []
    assert "- none" in report.markdown_summary(SLUG, [], [], [])
