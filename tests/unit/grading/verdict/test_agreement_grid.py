"""The notebook and the grader accept the same things: one definition (helpers/agreement.py).

Over a grid of representations of the same and of different values (Python numbers, NumPy
scalars and arrays, tensors of several dtypes, 0-d and 1-element, NaN and infinities, tuples,
lists, torch.Size, dicts, None, strings, dtypes): a check passes in the student's notebook
exactly when the grader, comparing the recorded value with the solution's recorded value
(through JSON, as records cross processes), finds them in agreement; and when two values both
pass against one expected value, the grader matches them against each other (a visible test
that prints its pass line earns its points whatever the solution's own representation).
"""

import itertools
import json

import numpy as np
import pytest
import torch

from grading.verdict import recorder
from grading.verdict.records import matches
from helpers.checks import CheckFailed, check_close, check_equal, check_shape

NUMBERS = [
    3,
    3.0,
    np.int64(3),
    np.float64(3.0),
    np.float32(3.0),
    torch.tensor(3),
    torch.tensor(3.0),
    torch.tensor(3.0, dtype=torch.float64),
    torch.tensor([3.0]),
    np.array(3),
    np.array([3]),
    True,
    torch.tensor(True),
    4,
    3.0000001,
    torch.tensor(3.00001),
    float("nan"),
    torch.tensor(float("nan")),
    float("inf"),
    torch.tensor(float("inf")),
    -float("inf"),
]
STRUCTURES = [
    (2, 3),
    [2, 3],
    torch.Size([2, 3]),
    (2.0, 3),
    (2, 4),
    (2, 3, 1),
    torch.tensor([2, 3]),
    np.array([2, 3]),
    {"a": 1, "b": (2, 3)},
    {"b": (2, 3), "a": 1},
    {"a": 1.0, "b": [2, 3]},
    None,
    "x",
    "y",
    torch.float64,
    np.dtype("float64"),
    torch.float32,
    (torch.tensor(1.0), 2),
    (1, 2),
]


def _notebook(check, actual, expected, **tol) -> bool:
    try:
        check(actual, expected, "v", **tol)
    except CheckFailed:
        return False
    return True


def _record(value, kind, monkeypatch, **tol):
    published = []
    monkeypatch.setattr(recorder, "_publish", published.append)
    recorder.record(value, kind, **tol)
    return json.loads(json.dumps(published[0]))  # as it crosses processes


def _pairs(values):
    return list(itertools.product(range(len(values)), repeat=2))


@pytest.mark.parametrize("i, j", _pairs(NUMBERS + STRUCTURES))
def test_check_equal_passes_in_the_notebook_exactly_when_the_grader_agrees(i, j, monkeypatch):
    values = NUMBERS + STRUCTURES
    actual, expected = values[i], values[j]
    notebook = _notebook(check_equal, actual, expected)
    grader = matches(_record(actual, "equal", monkeypatch), _record(expected, "equal", monkeypatch))
    assert notebook == grader, (actual, expected, notebook, grader)


@pytest.mark.parametrize("i, j", _pairs(NUMBERS))
def test_check_close_passes_in_the_notebook_exactly_when_the_grader_agrees(i, j, monkeypatch):
    actual, expected = NUMBERS[i], NUMBERS[j]
    tol = {"rtol": 1e-5, "atol": 0.0}
    notebook = _notebook(check_close, actual, expected, **tol)
    got = _record(actual, "close", monkeypatch, **tol)
    ref = _record(expected, "close", monkeypatch, **tol)
    # The grader's tolerance is twice the stated one; agreement at 1x implies agreement at 2x.
    assert (not notebook) or matches(got, ref), (actual, expected)
    tight = {"rtol": 0.0, "atol": 0.0}
    assert _notebook(check_close, actual, expected, **tight) == matches(
        _record(actual, "close", monkeypatch, **tight),
        _record(expected, "close", monkeypatch, **tight),
    ), (actual, expected)


@pytest.mark.parametrize("value", [torch.zeros(2, 3), np.zeros((2, 3)), [1, 2], None, 3])
def test_check_shape_records_what_it_checks(value, monkeypatch):
    notebook = _notebook(check_shape, value, (2, 3))
    grader = matches(
        _record(value, "shape", monkeypatch), _record(torch.ones(2, 3), "shape", monkeypatch)
    )
    assert notebook == grader


def test_two_values_that_pass_one_expected_value_match_each_other(monkeypatch):
    values = NUMBERS + STRUCTURES
    for expected in values:
        passing = [v for v in values if _notebook(check_equal, v, expected)]
        records = [_record(v, "equal", monkeypatch) for v in passing]
        for a, b in itertools.product(records, repeat=2):
            assert matches(a, b), (expected, a, b)


def test_a_zero_d_count_passes_both_ways(monkeypatch):
    """The issue's case: a count returned as a 0-d integer tensor."""
    assert _notebook(check_equal, torch.tensor(7), 7)
    assert matches(_record(torch.tensor(7), "equal", monkeypatch), _record(7, "equal", monkeypatch))
