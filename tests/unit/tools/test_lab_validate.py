"""Validate's entries: one numbered line per failing test, nbgrader's verdicts unchanged."""

from tools.lab_validate import numbered


def test_each_failing_test_is_its_numbered_opening_line():
    failed = [
        {
            "source": '"""set_border: the border takes the value."""\ngrid = 1\npassed()',
            "error": "e1",
        },
        {"source": "x = 1", "error": "e2", "raw_error": "r2"},
        {"source": "", "error": "e3"},
    ]
    assert numbered(failed) == [
        {"source": "1 of 3 failing tests: set_border: the border takes the value.", "error": "e1"},
        {"source": "2 of 3 failing tests: x = 1", "error": "e2", "raw_error": "r2"},
        {"source": "3 of 3 failing tests: (empty cell)", "error": "e3"},
    ]
