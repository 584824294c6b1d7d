"""Validate's entries: one numbered line per failing test and the failure's own message, both
wrapped to the dialog's width; nbgrader's verdicts unchanged."""

import sys

import torch
from IPython.core.ultratb import AutoFormattedTB

from helpers.checks import check_equal
from tools.lab_validate import WIDTH, message, numbered


def kernel_traceback(fail) -> str:
    """What nbgrader's validator reads as `raw_error`: IPython's coloured traceback lines, as a
    kernel sends them, joined."""
    try:
        fail()
    except Exception:  # noqa: BLE001 - whatever a test cell raises
        return "\n".join(AutoFormattedTB(mode="Context").structured_traceback(*sys.exc_info()))
    raise AssertionError("fail() did not raise")


def check_fails():
    check_equal(torch.tensor([1, 2, 4]), torch.tensor([1, 2, 3]), "set_border")


def test_each_failing_test_is_its_numbered_opening_line():
    failed = [
        {
            "source": '"""set_border: the border takes the value."""\ngrid = 1\npassed()',
            "error": "e1",
        },
        {"source": "x = 1", "error": "e2"},
        {"source": "", "error": "e3"},
    ]
    assert numbered(failed) == [
        {"source": "1 of 3 failing tests: set_border: the border takes the\nvalue.", "error": "e1"},
        {"source": "2 of 3 failing tests: x = 1", "error": "e2"},
        {"source": "3 of 3 failing tests: (empty cell)", "error": "e3"},
    ]


def test_a_checks_failure_shows_its_message_not_the_traceback_into_helpers():
    shown = message(kernel_traceback(check_fails))
    assert shown == (
        "CheckFailed: set_border: expected [1.0, 2.0, 3.0] (shape (3,)), got [1.0, 2.0, 4.0] "
        "(shape (3,))"
    )


def test_a_message_that_contains_code_like_lines_is_kept_whole():
    def fails():
        raise AssertionError("conv_out: expected 3\nValueError: not this line\ngot 4")

    assert message(kernel_traceback(fails)) == (
        "AssertionError: conv_out: expected 3\nValueError: not this line\ngot 4"
    )


def test_a_chained_failure_shows_the_last_exception_raised():
    def fails():
        try:
            {}["missing"]
        except KeyError:
            raise RuntimeError("grad_step: the weights did not change") from None

    assert message(kernel_traceback(fails)) == "RuntimeError: grad_step: the weights did not change"


def test_a_long_message_is_capped():
    def fails():
        raise AssertionError("\n".join(f"line {i}" for i in range(20)))

    lines = message(kernel_traceback(fails)).splitlines()
    assert len(lines) == 8 and lines[-1] == "…" and lines[0] == "AssertionError: line 0"


def test_nbgraders_own_messages_are_shown_whole():
    assert message("You did not provide a response.") == "You did not provide a response."


def test_a_plain_python_traceback_shows_its_last_line():
    raw = 'Traceback (most recent call last):\n  File "x.py", line 1\nZeroDivisionError: by zero'
    assert message(raw) == "ZeroDivisionError: by zero"


def test_entries_fit_the_dialog_and_the_message_is_escaped_html():
    long_name = "a_very_long_test_name_" * 6
    failed = [
        {
            "source": f'"""{long_name}: checks <b>bold</b> claims about the output."""\npassed()',
            "error": "<span>coloured</span>",
            "raw_error": kernel_traceback(check_fails),
        },
        {"source": "x", "error": "e", "raw_error": "<script>alert(1)</script> " * 10},
    ]
    first, second = numbered(failed)
    assert first["source"].startswith("1 of 2 failing tests: a_very_long")
    assert all(len(line) <= WIDTH for line in first["source"].splitlines())
    assert "".join(first["source"].split()) == "".join(
        f"1 of 2 failing tests: {long_name}: checks <b>bold</b> claims about the output.".split()
    ), "wrapping lost or changed characters"
    assert first["error"].startswith("CheckFailed: set_border: expected")
    assert all(len(line) <= WIDTH for line in first["error"].splitlines())
    assert "<script>" not in second["error"] and "&lt;script&gt;" in second["error"]
    assert first["raw_error"] == failed[0]["raw_error"], "nbgrader's raw error is left as it was"
