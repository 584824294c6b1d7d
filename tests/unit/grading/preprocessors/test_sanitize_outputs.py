"""SanitizeOutputs and the feedback page: no script of a student's survives, the styling does.

In memory (cells built here) for the cleaning rules; one real page rendered with nbgrader's
feedback template through SanitizedHTMLExporter for the page as a whole.
"""

import os
import re

import nbformat
import nbgrader
from traitlets.config import Config

from grading.preprocessors.sanitize_outputs import (
    DROPPED_NOTE,
    SanitizedHTMLExporter,
    clean_html,
    sanitize_notebook,
)

v4 = nbformat.v4
ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    '<a href="javascript:alert(3)">click</a>',
    '<a href="JaVaScRiPt:alert(4)">click</a>',
    '<svg onload="alert(5)"><circle r="1"/></svg>',
    '<iframe src="https://example.org"></iframe>',
    '<div style="position: fixed; top: 0">cover the score</div>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<form action="https://example.org"><input name="p"></form>',
    '<object data="x.swf"></object><embed src="x.swf">',
    "<style>body { display: none }</style>",
    '<math><maction actiontype="statusline" onclick="alert(6)"><mi>x</mi></maction></math>',
]
DANGER = re.compile(
    r"<script|onerror|onload|onclick|javascript:|<iframe|<form|<object|<embed|"
    r"position:\s*fixed|data:text|<style",
    re.IGNORECASE,
)


def test_every_attack_is_cleaned_and_the_harmless_kept():
    for attack in ATTACKS:
        assert not DANGER.search(clean_html(attack)), attack
    kept = (
        '<table class="dataframe"><tr><td style="text-align: right;">1</td></tr></table>'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="plot">'
        '<a href="https://pytorch.org">docs</a>'
        '<math display="block"><msup><mi>x</mi><mn>2</mn></msup></math>'
    )
    cleaned = clean_html(kept)
    for piece in ('class="dataframe"', "text-align:right", "data:image/png", "pytorch.org"):
        assert piece in cleaned, piece
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in cleaned


def _notebook():
    markdown = v4.new_markdown_cell("Mine <script>alert(1)</script> [x](javascript:alert(2))")
    ours = v4.new_markdown_cell("The instructor's <b>own</b> text")
    code = v4.new_code_cell(
        "display(...)",
        outputs=[
            v4.new_output("display_data", data={"application/javascript": "alert(3)"}),
            v4.new_output(
                "display_data",
                data={"text/html": "<b onclick='alert(4)'>bold</b>", "text/plain": "b"},
            ),
            v4.new_output("display_data", data={"text/markdown": "<img src=x onerror=alert(5)>"}),
            v4.new_output("execute_result", data={"text/plain": "3"}, execution_count=1),
        ],
    )
    nb = v4.new_notebook(cells=[ours, markdown, code])
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": {"<script>": 1}}
    }
    return nb


def test_the_notebook_keeps_no_script_and_the_instructors_markdown_unchanged():
    nb = _notebook()
    suspicious = sanitize_notebook(nb, trusted_markdown={nb.cells[0].source})
    assert suspicious == [1, 2]  # the student's markdown and the outputs: flagged for the TA
    assert nb.cells[0].source == "The instructor's <b>own</b> text"
    assert not DANGER.search(nbformat.writes(nb)), nbformat.writes(nb)
    outputs = nb.cells[2].outputs
    assert outputs[0].data == {"text/plain": DROPPED_NOTE}
    assert "<b>bold</b>" in outputs[1].data["text/html"]
    assert outputs[3].data == {"text/plain": "3"}  # what nbgrader scores is untouched
    assert "widgets" not in nb.metadata


def _feedback_page(nb) -> str:
    formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
    config = Config()  # as nbgrader's GenerateFeedback sets up its exporter
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [os.path.join(formgrader, "templates")]
    config.HTMLExporter.extra_template_paths = [
        os.path.join(formgrader, "static", "node_modules", "bootstrap", "dist", "css")
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    info = {"score": 1, "max_score": 2, "student": "s", "assignment": "a", "notebook": "n"}
    resources = {"nbgrader": {**info, "timestamp": "", "late_penalty": 0}}
    page, _ = SanitizedHTMLExporter(config=config).from_notebook_node(nb, resources=resources)
    return page


def test_the_feedback_page_has_no_script_even_unprepared_and_keeps_its_styling():
    page = _feedback_page(_notebook())  # not sanitized first: the page cleaning alone holds
    assert not DANGER.search(page.split("</head>")[1]), page

    assert "<script" not in page.lower()
    head = page.split("</head>")[0]
    assert head.count("<style") >= 2 and ".panel" in head  # bootstrap and nbgrader's own CSS
    assert "(Score: 1.0 / 2.0)" in page and 'class="panel panel-default"' in page
    assert "bold" in page and "The instructor" in page


def test_an_honest_notebook_is_not_flagged():
    table = "<style scoped>.dataframe td { color: red }</style><table class='dataframe'></table>"
    nb = v4.new_notebook(
        cells=[
            v4.new_markdown_cell("My notes: $a < b$ and **bold**, [docs](https://pytorch.org)"),
            v4.new_code_cell(
                outputs=[
                    v4.new_output("display_data", data={"text/html": table}),
                    v4.new_output(
                        "display_data",
                        data={"application/vnd.jupyter.widget-view+json": {"model_id": "1"}},
                    ),
                ]
            ),
        ]
    )
    assert sanitize_notebook(nb, trusted_markdown=set()) == []
