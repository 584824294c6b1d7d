"""grading.preprocessors.time_budget without a kernel: the budget formula, the key that ties a
measured solution time to the solution's content, and the time found through nbgrader's course
configuration for the notebook being graded (real files in a temporary reference cache)."""

import copy

import nbformat
import pytest
from traitlets.config import Config
from traitlets.config.configurable import Configurable

from grading.preprocessors import time_budget
from tests.unit.grading.preprocessors.cells import source_notebook


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "reference-cache"
    monkeypatch.setenv("DLBOOK_REFERENCE_CACHE", str(folder))
    return folder


@pytest.mark.parametrize(
    "solution, expected",
    [(None, 120.0), (3.0, 120.0), (12.0, 120.0), (12.5, 125.0), (60.0, 600.0)],
    ids=["unknown: the floor", "fast", "at the floor", "just past it", "slow"],
)
def test_the_budget_is_the_floor_or_factor_times_the_solution(solution, expected):
    assert time_budget.budget(solution, 120.0, 10.0) == expected


def test_the_key_follows_the_notebooks_content_not_its_object():
    nb = source_notebook()
    same = copy.deepcopy(nb)
    assert time_budget.notebook_key(nb) == time_budget.notebook_key(same)
    same.cells[0].source = "def f(x):\n    return x"
    assert time_budget.notebook_key(nb) != time_budget.notebook_key(same)


def test_a_recorded_time_is_read_back_rounded_and_a_missing_or_damaged_one_is_unknown(cache):
    time_budget.record_solution_seconds("k1", 6.12345)
    assert time_budget._read("k1") == 6.123
    assert [p.name for p in cache.iterdir()] == ["solution-seconds-k1.json"]  # no temp file left
    assert time_budget._read("never-recorded") is None
    (cache / "solution-seconds-bad.json").write_text("{not json")
    assert time_budget._read("bad") is None


def _grader_of(course):
    """What GradingExecute passes in: something configured for the course, nbgrader's resources."""
    config = Config()
    config.CourseDirectory.root = str(course)
    resources = {"nbgrader": {"assignment": "01_tensors", "notebook": "01_tensors"}}
    return Configurable(config=config), resources


def test_the_solution_time_is_found_for_the_notebook_being_graded(tmp_path):
    course = tmp_path / "course"
    source = course / "source" / "01_tensors" / "01_tensors.ipynb"
    source.parent.mkdir(parents=True)
    nbformat.write(source_notebook(), source)
    grader, resources = _grader_of(course)
    assert time_budget.known_solution_seconds(grader, resources) is None  # not measured yet
    time_budget.record_solution_seconds(time_budget.notebook_key(nbformat.read(source, 4)), 7.5)
    assert time_budget.known_solution_seconds(grader, resources) == 7.5
    # The instructor edits the solution: the old time no longer applies.
    edited = source_notebook()
    edited.cells[0].source = "def f(x):\n    return 3 * x"
    nbformat.write(edited, source)
    assert time_budget.known_solution_seconds(grader, resources) is None


def test_without_a_source_notebook_the_time_is_unknown(tmp_path):
    grader, resources = _grader_of(tmp_path / "no-course")
    assert time_budget.known_solution_seconds(grader, resources) is None
    assert time_budget.solution_seconds(grader, resources) is None  # and nothing is run
    grader, _ = _grader_of(tmp_path)
    assert time_budget.known_solution_seconds(grader, {"nbgrader": {}}) is None
