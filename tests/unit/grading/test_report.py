"""grading.report's arithmetic on rows built in memory (the real report: test_grading_batch.py)."""

import pytest

from grading import report


def test_exercise_summary_counts_means_full_marks_and_failures():
    rows = [
        report.StudentRow("a", 3, 3, {"e1": (2, 2), "e2": (1, 1)}),
        report.StudentRow("b", 0, 3, {"e1": (0, 2), "e2": (0, 1)}),
        report.StudentRow("c", 2, 3, {"e1": (2, 2), "e2": (0, 1)}),
    ]
    failures = {
        "a": {},
        "b": {"e1": "AssertionError: x", "e2": "NotImplementedError"},
        "c": {"e2": "NotImplementedError"},
    }
    e1, e2 = report.exercise_summary(rows, failures)
    assert (e1["grade_id"], e1["points"], e1["mean"], e1["full_marks_share"]) == (
        "e1",
        2,
        1.333,
        0.667,
    )
    assert e2["common_failures"] == [(2, "NotImplementedError")]
    assert e2["mean"] == pytest.approx(1 / 3, abs=1e-3)


# -------------------------------------------------------- messages a TA can read as written
CRAFTED = [
    "WrongAnswer: expected a | b, got `a|b`",
    "AssertionError: use `torch.sum` | not *sum* <script>alert(1)</script> & co",
    "ValueError: first line\nsecond | line\n\nthird `tick",
    "KeyError: 'x_[1]' \\ back\\slash # not a heading ~~not struck~~",
]


def _rendered_table(markdown: str) -> list[list[str]]:
    """The text of every table cell the Markdown renders to (GFM tables, CommonMark inline)."""
    from html.parser import HTMLParser

    from markdown_it import MarkdownIt

    class Cells(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.rows, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = []
            elif tag == "br" and self.cell is not None:
                self.cell.append("\n")
            elif self.cell is not None:
                self.cell.append(f"<{tag}>")  # any markup inside a cell shows up in the text

        def handle_endtag(self, tag):
            if tag in ("td", "th"):
                self.rows[-1].append("".join(self.cell))
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Cells()
    parser.feed(MarkdownIt("commonmark").enable("table").render(markdown))
    return parser.rows


def test_summary_table_shows_crafted_messages_exactly():
    # Three students fail ex1 with three messages, a fourth fails ex2: every message is listed.
    rows = [report.StudentRow(s, 0, 2, {"ex1": (0, 1), "ex2": (0, 1)}) for s in "abcd"]
    failures = {s: {"ex1": m} for s, m in zip("abc", CRAFTED)} | {"d": {"ex2": CRAFTED[3]}}
    exercises = report.exercise_summary(rows, failures)
    table = _rendered_table(report.markdown_summary("x", rows, exercises, []))
    header, ex1, ex2 = table
    assert len(ex1) == len(ex2) == len(header) == 5, table  # no message split a row
    shown = [m.removeprefix("1x ") for m in ex1[4].split("\n1x ")] + [ex2[4]]
    assert sorted(shown) == sorted(["1x " + CRAFTED[3], *CRAFTED[:3]]), shown


def test_a_blank_answer_reads_not_attempted():
    assert report.error_message("NotImplementedError", "") == "not attempted"
    assert report.error_message("AssertionError", "expected 3, got 4") == (
        "AssertionError: expected 3, got 4"
    )


@pytest.mark.parametrize("limit", range(20, 90, 7))
def test_messages_are_never_cut_inside_a_number_or_a_name(limit):
    message = "check_close(x_hat): expected 0.123456789, got -98765.4321 at index (3, 14)"
    short = report.shorten(message, limit)
    assert len(short) <= limit + 2
    kept = short.removesuffix(" …").split()
    assert kept == message.split()[: len(kept)], short  # whole tokens only
    assert report.shorten(message, len(message)) == message


def test_exercises_in_chapter_order_and_unknown_ones_after():
    order = ["zeta_test", "alpha_test", "mid_test"]
    assert report.in_order({"alpha_test", "mid_test", "zeta_test", "b_extra"}, order) == [
        "zeta_test",
        "alpha_test",
        "mid_test",
        "b_extra",
    ]
    rows = [report.StudentRow("a", 1, 2, {"alpha_test": (1, 1), "zeta_test": (0, 1)})]
    names = [e["grade_id"] for e in report.exercise_summary(rows, {}, order)]
    assert names == ["zeta_test", "alpha_test"]


def test_students_in_roster_order(tmp_path):
    (tmp_path / "roster.csv").write_text('student,name\nzoe,"Zed, Zoe"\namy,Amy Ant\n')
    assert report.student_order(tmp_path, ["amy", "bob", "zoe"]) == ["zoe", "amy", "bob"]
    assert report.student_order(tmp_path / "nowhere", ["b", "a"]) == ["a", "b"]


def test_histogram_counts_whole_students(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [report.StudentRow(s, t, 10, {}) for s, t in zip("abc", (3, 7, 7))]
    report._histogram(rows, tmp_path / "h.png", "x", keep_open=True)
    ticks = plt.gcf().axes[0].get_yticks()
    plt.close("all")
    assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks
