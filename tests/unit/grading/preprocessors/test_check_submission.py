"""CheckSubmission's checks on notebooks built in memory: every way a student can break one is
named, and the repair leaves nbgrader something it can grade."""

import pytest

from grading.flags import SUBMISSION_STAGE
from grading.preprocessors.check_submission import problems, repair
from tests.unit.grading.preprocessors.cells import cell as _cell
from tests.unit.grading.preprocessors.cells import source_notebook as _source


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda nb: nb.cells.append(nb.cells[1].copy()), "appears 2 times"),
        (lambda nb: nb.cells[1].metadata["nbgrader"].update(grade_id="g"), "unknown grade_id"),
        (lambda nb: nb.cells.pop(1), "test cell deleted"),
        (
            lambda nb: nb.cells.__setitem__(
                1, _cell("markdown", "f_test", grade=True, locked=True)
            ),
            "turned into markdown",
        ),
        (lambda nb: nb.cells[1].metadata["nbgrader"].update(locked=False), "unlocked"),
    ],
)
def test_broken_notebooks_are_named(change, reason):
    submitted = _source()
    change(submitted)
    found = problems(submitted, _source())
    assert any(reason in f.reason for f in found), found
    assert all(f.stage == SUBMISSION_STAGE for f in found)
    assert problems(_source(), _source()) == []


def test_repair_leaves_one_cell_per_known_grade_id():
    submitted = _source()
    submitted.cells += [_cell("code", "f_test"), _cell("code", "mine")]
    repair(submitted, _source())
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in submitted.cells]
    assert ids == ["f", "f_test", None, None]
