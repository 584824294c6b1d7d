"""A chapter's source notebook run in-process, cell by cell, in milliseconds: the harness of the
tests that probe what its test cells accept (tests/test_ch04_visible_tests.py, tests/test_ch06_
visible_tests.py). The real nbgrader round trip is tests/test_grading.py.

    ch06 = Chapter("06_lenet", helpers=("def c3_table",))
    ch06.run(ch06.solution_with("train_epoch", old, new), ch06.visible("train_epoch"))
"""

import nbformat
import pytest

from tests.wrong_answers import swapped
from tools.build import ROOT

HIDDEN = "### BEGIN HIDDEN TESTS"


class Chapter:
    def __init__(self, slug: str, helpers: tuple[str, ...] = ()):
        """`helpers`: how the ungraded cells a test cell reads begin (ch06's C3 table)."""
        nb = nbformat.read(ROOT / "source" / slug / f"{slug}.ipynb", as_version=4)
        self.src = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells}
        # The setup cell without what only Colab needs (the book is importable here).
        self.setup = "\n".join(
            line
            for line in self.src["setup"].splitlines()
            if "%pip" not in line and "google.colab" not in line
        )
        self.helpers = [
            next(c.source for c in nb.cells if c.source.startswith(start)) for start in helpers
        ]

    def solution_with(self, gid: str, old: str, new: str) -> str:
        """The reference answer of `gid` with `old` (which must be in it) replaced by `new`."""
        return swapped(self.src[gid], old, new)

    def test(self, gid: str) -> str:
        return self.src[gid + "_test"]

    def visible(self, gid: str) -> str:
        """The part of `gid`'s test cell a student sees."""
        return self.test(gid).split(HIDDEN)[0]

    def run(self, answer: str, test: str) -> None:
        """The setup cell, the helpers, `answer` and `test` in one fresh namespace, as a kernel
        would run them: a failed check raises its AssertionError here."""
        namespace: dict = {}
        for source in (self.setup, *self.helpers, answer, test):
            exec(source, namespace)  # noqa: S102 -- the chapter's own cells and the probes

    def reference_passes(self, gid: str) -> None:
        self.run(self.src[gid], self.test(gid))

    def only_the_hidden_part_fails(self, gid: str, answer: str) -> None:
        """A well-formed wrong answer (a prediction): the visible form check passes it, the
        whole test fails it."""
        self.run(answer, self.visible(gid))
        with pytest.raises(AssertionError):
            self.run(answer, self.test(gid))


def ids(cases) -> list[str]:
    """pytest ids for (grade_id, why, ...) cases: `grade_id-why`."""
    return [f"{case[0]}-{case[1]}" for case in cases]
