"""The pipelines are nbgrader's own with the book's steps in place, and every step named there
is a class of that name in a module of that name."""

import importlib

import pytest

from grading.preprocessors import pipeline
from grading.preprocessors.pipeline import (
    autograde_preprocessors,
    feedback_preprocessors,
    nbgrader_default,
    sanitize_preprocessors,
)


def test_the_pipeline_is_nbgraders_default_with_our_steps_in_place():
    ours = autograde_preprocessors()
    default = nbgrader_default()
    assert "nbgrader.preprocessors.execute.Execute" not in ours
    assert ours[:4] == [
        pipeline.SOURCE_SCAN,
        pipeline.GRADING_EXECUTE,
        pipeline.COMPARE_RECORDS,
        pipeline.KERNEL_FLAGS,
    ]
    assert ours[4:-2] == default[1:]  # nbgrader's own steps, unchanged and in order
    assert ours[-2:] == [pipeline.SANITIZE_OUTPUTS, pipeline.RECORD_FLAGS]
    assert sanitize_preprocessors()[0] == pipeline.CHECK_SUBMISSION


@pytest.mark.parametrize(
    "name",
    [
        pipeline.CHECK_SUBMISSION,
        pipeline.GRADING_EXECUTE,
        pipeline.COMPARE_RECORDS,
        pipeline.RECORD_FLAGS,
        pipeline.REDACT_HIDDEN_TESTS,
        pipeline.SANITIZE_OUTPUTS,
        pipeline.SOURCE_SCAN,
        pipeline.KERNEL_FLAGS,
    ],
)
def test_each_step_is_a_class_named_for_its_file(name):
    module, cls = name.rsplit(".", 1)
    assert getattr(importlib.import_module(module), cls).__name__ == cls
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in cls).lstrip("_")
    assert module.rsplit(".", 1)[1] == snake


def test_feedback_redacts_between_nbgraders_own_steps():
    steps = feedback_preprocessors()
    assert steps[0] == "nbgrader.preprocessors.GetGrades"
    assert pipeline.REDACT_HIDDEN_TESTS in steps
