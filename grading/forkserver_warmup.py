"""Imported by nbgrader_process's forkserver, and only there: it warms that process up once.

The first HTML page a process renders compiles regular expressions, loads Pygments lexers and
sets up Jinja; that is half of a feedback page's cost (0.95 s cold, 0.47 s warm, one chapter-01
page on a 2-core CPU). The forkserver renders one small notebook with nbgrader's feedback
template when it starts, so every forked `generate_feedback` inherits that work. This module
exists for that side effect; a failure here only loses the head start.
"""

import os


def warm_up() -> None:
    import nbformat
    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
    config = Config()  # as nbgrader's GenerateFeedback sets up its exporter
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [os.path.join(formgrader, "templates")]
    config.HTMLExporter.extra_template_paths = [
        os.path.join(formgrader, "static", "node_modules", "bootstrap", "dist", "css")
    ]
    v4 = nbformat.v4
    code = v4.new_code_cell(
        "import torch\nx = torch.ones(2)  # (2,)\nprint(x)",
        outputs=[
            v4.new_output("stream", name="stdout", text="tensor([1., 1.])\n"),
            v4.new_output("error", ename="AssertionError", evalue="x", traceback=["\x1b[0;31mx"]),
        ],
    )
    code.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "t",
        "points": 1,
        "score": 0,
        "solution": False,
        "locked": True,
        "schema_version": 3,
    }
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# A *title*, `code` and $x^2$"), code])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    resources = {
        "nbgrader": {
            "score": 0,
            "max_score": 1,
            "student": "s",
            "assignment": "a",
            "notebook": "n",
            "timestamp": "",
            "late_penalty": 0,
        }
    }
    HTMLExporter(config=config).from_notebook_node(nb, resources=resources)
    # The gradebook's ORM mappers are set up on first use: once here, not once per command.
    import nbgrader.api  # defines the gradebook's models, which the next line sets up
    from sqlalchemy.orm import configure_mappers

    configure_mappers()


try:
    warm_up()
except Exception:  # noqa: BLE001, S110 -- an optimisation only: grading works the same without it
    pass
