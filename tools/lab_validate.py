"""The student lab's Validate button: nbgrader's validator, every failing test in view.

nbgrader's validator finds every failing test cell, but its dialog (a box about 375 px tall)
shows each one as the test's whole source (7 to 12 lines) and its error, with no count: a
student saw the first failing test, part of the second, and nothing saying there were more.
Here each entry is the test's opening line, which says what it checks (the book's style), and
its number: "3 of 10 failing tests: set_border: the border takes the value, ...", and under it
the failure's own message (what was expected, what came), not the traceback into helpers/.
Both are wrapped to the dialog's width: it shows text in <pre> boxes, which cut long lines
instead of wrapping them. What is run and what counts as failing is nbgrader's, unchanged.

A Jupyter server extension in place of nbgrader's validate_assignment, switched on in
tools/student_lab/jupyter_server_config.d/ for `./dlbook lab` and the course server's lab alike
(grading/hub/layout.py copies this module into the public copy students import from).
"""

import html
import re
import textwrap

from jupyter_server.utils import url_path_join
from nbconvert.filters import strip_ansi
from nbgrader.server_extensions.validate_assignment.handlers import (
    NbGraderVersionHandler,
    ValidateAssignmentHandler,
)

# Characters per line that fit the dialog's <pre> boxes (monospace, about 480 px wide).
WIDTH = 60
MESSAGE_LINES = 8
# IPython's traceback opens with the exception's name ("CheckFailed    Traceback (most recent
# call last)") and ends with its message ("CheckFailed: set_border: expected ..."); the message
# may itself hold lines that look like code, so it is found by that name, not by its shape.
HEADER = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)\s+Traceback \(most recent call last\)")
# A plain Python traceback's message line, where there is no IPython header.
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*)?(Error|Exception|Exit|Interrupt|Warning)\b:?")


def wrapped(text: str) -> str:
    return "\n".join(
        "\n".join(textwrap.wrap(line, WIDTH, break_long_words=True, break_on_hyphens=False))
        for line in text.splitlines()
    )


def message(raw_error: str) -> str:
    """The failure's own message: from a traceback's last exception line to its end (at most
    MESSAGE_LINES lines); anything else (nbgrader's "You did not provide a response.") whole."""
    lines = [line.rstrip() for line in strip_ansi(raw_error).strip().splitlines()]
    headers = [m for m in map(HEADER.match, lines) if m]
    header = headers[-1] if headers else None  # a chained exception: the last one raised
    if header:
        name = header["name"]
        starts = [i for i, line in enumerate(lines) if line == name or line.startswith(name + ":")]
    else:
        starts = [i for i, line in enumerate(lines) if EXCEPTION_LINE.match(line)]
    if starts:
        lines = lines[starts[-1] :]
    if len(lines) > MESSAGE_LINES:
        lines = lines[: MESSAGE_LINES - 1] + ["…"]
    return "\n".join(lines)


def numbered(failed: list[dict]) -> list[dict]:
    """nbgrader's failed cells: each source cut to its first line and numbered, each error
    cut to its message, both wrapped to the dialog's width."""
    total = len(failed)
    out = []
    for i, cell in enumerate(failed, 1):
        first = (cell.get("source") or "").strip().splitlines()[:1] or ["(empty cell)"]
        entry = {
            **cell,
            "source": wrapped(f"{i} of {total} failing tests: {first[0].strip(chr(34))}"),
        }
        if "raw_error" in cell:  # the dialog sets `error` as HTML
            entry["error"] = html.escape(wrapped(message(cell["raw_error"])))
        out.append(entry)
    return out


class ValidateEveryTest(ValidateAssignmentHandler):
    def validate_notebook(self, path):
        answer = super().validate_notebook(path)
        value = answer.get("value")
        if answer.get("success") and isinstance(value, dict) and value.get("failed"):
            value["failed"] = numbered(value["failed"])
        return answer


def _jupyter_server_extension_points():
    return [{"module": "tools.lab_validate"}]


def _load_jupyter_server_extension(serverapp):
    """The same two routes nbgrader's validate_assignment serves, with this handler."""
    webapp = serverapp.web_app
    webapp.settings["root_dir"] = serverapp.root_dir  # as nbgrader's extension sets it
    base = webapp.settings["base_url"]
    webapp.add_handlers(
        ".*$",
        [
            (url_path_join(base, "/assignments/validate"), ValidateEveryTest),
            (url_path_join(base, "/nbgrader_version"), NbGraderVersionHandler),
        ],
    )
