"""Which cells are graded tests, and where their hidden part is (nbgrader's own rules).

Shared by the rewrite before execution and the redaction of feedback, so both agree with
`nbgrader generate_assignment` on what is hidden: a line *containing*
`ClearHiddenTests.begin_test_delimeter` opens the hidden region and a line containing
`end_test_delimeter` closes it (nbgrader's spelling of "delimiter").
"""

from nbgrader.preprocessors import ClearHiddenTests


def is_test_cell(cell) -> bool:
    """An autograded test cell: graded, not an answer cell, code."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def grade_id(cell, index: int) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"cell {index + 1}"


def delimiters(config=None) -> tuple[str, str]:
    """(begin, end) as configured for nbgrader's ClearHiddenTests (defaults if unset)."""
    clear = ClearHiddenTests(config=config) if config is not None else ClearHiddenTests()
    return clear.begin_test_delimeter, clear.end_test_delimeter


def hidden_lines(source: str, begin: str, end: str) -> set[int]:
    """1-based numbers of the lines inside hidden regions, delimiter lines included."""
    hidden, inside = set(), False
    for number, line in enumerate(source.split("\n"), start=1):
        if begin in line:
            inside = True
        if inside:
            hidden.add(number)
        if end in line and begin not in line:  # nbgrader: `elif end in line`
            inside = False
    return hidden


def without_hidden(source: str, begin: str, end: str, note: str) -> str:
    """The source with each hidden region replaced by one `note` line."""
    hidden = hidden_lines(source, begin, end)
    out, previous_hidden = [], False
    for number, line in enumerate(source.split("\n"), start=1):
        if number in hidden:
            if not previous_hidden:
                out.append(note)
            previous_hidden = True
        else:
            out.append(line)
            previous_hidden = False
    return "\n".join(out)
