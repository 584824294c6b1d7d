"""grading.verdict.kinds reads the checks' contract from helpers/checks.py itself: what it reads
is what Python sees when it imports helpers.checks (names, order, defaults), for every check,
and a check with no kind is refused rather than graded as something else."""

import inspect

import pytest

from grading.verdict import kinds
from helpers import checks

CHECKS = {
    name: function
    for name, function in vars(checks).items()
    if name.startswith("check_") and inspect.isfunction(function)
}


def test_every_check_and_only_the_checks_are_known_to_the_grader():
    assert set(kinds.SIGNATURES) == set(CHECKS) and CHECKS


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_grader_reads_each_checks_parameters_and_defaults_as_python_does(name):
    parameters = inspect.signature(CHECKS[name]).parameters.values()
    kind, names = kinds.SIGNATURES[name]
    assert kind == name.removeprefix("check_") and kind in kinds.KINDS
    # Positional-or-keyword only: the grader reads no *args, **kwargs or keyword-only ones.
    assert {p.kind for p in parameters} == {inspect.Parameter.POSITIONAL_OR_KEYWORD}
    assert names == tuple(p.name for p in parameters)
    assert kinds.DEFAULTS[name] == {
        p.name: p.default for p in parameters if p.default is not p.empty
    }


def test_check_closes_default_tolerances_are_the_graders():
    parameters = inspect.signature(checks.check_close).parameters
    assert (kinds.DEFAULT_RTOL, kinds.DEFAULT_ATOL) == (
        parameters["rtol"].default,
        parameters["atol"].default,
    )


def test_a_renamed_parameter_or_a_new_default_changes_what_the_grader_reads():
    source = (
        "def check_close(value, reference, what, rtol=1e-3, atol=0.0):\n    pass\n"
        "def helper(x):\n    pass\n"
    )
    signatures, defaults = kinds._contract(source)
    assert signatures == {"check_close": ("close", ("value", "reference", "what", "rtol", "atol"))}
    assert defaults == {"check_close": {"rtol": 1e-3, "atol": 0.0}}


def test_a_check_with_no_kind_is_refused():
    with pytest.raises(ValueError, match="check_sorted has no kind"):
        kinds._contract("def check_sorted(actual, what):\n    pass\n")
