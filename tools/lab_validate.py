"""`./dlbook lab`'s Validate button: nbgrader's validator, every failing test in view.

nbgrader's validator finds every failing test cell, but its dialog (a box about 375 px tall)
shows each one as the test's whole source (7 to 12 lines) and its error, with no count: a
student saw the first failing test, part of the second, and nothing saying there were more.
Here each entry is the test's opening line, which says what it checks (the book's style), and
its number: "3 of 10 failing tests: set_border: the border takes the value, ...". What is run
and what counts as failing is nbgrader's, unchanged.

A Jupyter server extension in place of nbgrader's validate_assignment, switched on in
tools/student_lab_local/jupyter_server_config.d/.
"""

from jupyter_server.utils import url_path_join
from nbgrader.server_extensions.validate_assignment.handlers import (
    NbGraderVersionHandler,
    ValidateAssignmentHandler,
)


def numbered(failed: list[dict]) -> list[dict]:
    """nbgrader's failed cells, each source cut to its first line and numbered."""
    total = len(failed)
    out = []
    for i, cell in enumerate(failed, 1):
        first = (cell.get("source") or "").strip().splitlines()[:1] or ["(empty cell)"]
        out.append({**cell, "source": f"{i} of {total} failing tests: {first[0].strip(chr(34))}"})
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
