"""SanitizeOutputs and SanitizedHTMLExporter: nothing a student wrote runs in a TA's browser.

A submission controls its markdown cells and every output its code makes, and nbconvert puts
both into the pages a TA opens (the formgrader renders the graded notebook; generate_feedback
writes the feedback page) as raw HTML: a `<script>` in a markdown cell, an `onerror=` in an
HTML output or an `application/javascript` display would run there. Two layers, both with nh3
(the Python binding of the Rust `ammonia` sanitiser, an allow-list of tags, attributes and URL
schemes), never a hand-written filter:

- `SanitizeOutputs`, a preprocessor, last in autograde and first in generate_feedback: drops
  JavaScript and widget outputs and the notebook's widget state, cleans HTML and markdown
  outputs, and turns every markdown cell that is not the instructor's into its cleaned HTML;
  so the graded notebook the formgrader shows is clean too.
- `SanitizedHTMLExporter`, generate_feedback's exporter: the finished page's body is cleaned
  again as a whole, and the page is rebuilt around it with only the template's own `<style>`
  blocks from its head (no scripts at all, MathJax included: math arrives as MathML), so the
  page keeps its styling and nothing else of the head.
"""

import html
import re

import nbformat
import nh3
from nbconvert.exporters import HTMLExporter
from nbgrader.preprocessors import NbGraderPreprocessor

from grading.flags import note
from grading.paths import source_notebook

MATHML = {
    "math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot",
    "msub", "msup", "msubsup", "munder", "mover", "munderover", "mtable", "mtr", "mtd",
    "mstyle", "mpadded", "mphantom", "menclose", "merror", "semantics", "annotation",
}  # fmt: skip
TAGS = set(nh3.ALLOWED_TAGS) | MATHML | {
    "div", "span", "pre", "code", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
    "caption", "colgroup", "col", "img", "figure", "figcaption", "details", "summary",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br", "p", "sub", "sup", "kbd", "samp", "var",
    "input",
}  # fmt: skip
_EVERY = {"class", "id", "title", "lang", "dir", "align", "style", "colspan", "rowspan"}
ATTRIBUTES = {
    "*": _EVERY,
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "input": {"type", "checked", "disabled"},  # markdown task lists
    "math": {"display", "xmlns"},
    "mo": {"stretchy", "fence", "separator", "lspace", "rspace"},
    "mstyle": {"displaystyle", "scriptlevel"},
    "mtable": {"columnalign", "rowspacing", "columnspacing"},
    "annotation": {"encoding"},
}
STYLE_PROPERTIES = {
    "text-align", "vertical-align", "color", "background-color", "font-weight",
    "font-style", "font-family", "font-size", "white-space", "width", "height", "max-width",
    "min-width", "padding", "padding-left", "padding-right", "margin", "margin-left",
    "margin-right", "border", "border-collapse", "border-bottom", "border-top",
}  # fmt: skip
# Mime types of outputs that are code for the browser: dropped, whoever wrote them.
SCRIPT_MIMES = (
    "application/javascript",
    "text/javascript",
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
)
DROPPED_NOTE = "(an output that runs code in the browser was removed by the grader)"
# What only code meant to run in a browser holds: found in a student's markdown or outputs, it is
# removed by the cleaning above and flagged for the TA (this pattern decides the flag only, never
# what is kept). Widget views are not flagged: tqdm and ipywidgets make them honestly.
SUSPICIOUS = re.compile(
    r"<\s*(script|iframe|object|embed|form|base|meta)\b|\bon[a-z]+\s*=|javascript\s*:|vbscript\s*:",
    re.IGNORECASE,
)


def _attribute(tag: str, name: str, value: str):
    # data: URLs only as images (a matplotlib figure is a data:image/png); on a link they are
    # a page of the student's making.
    if value.strip().lower().startswith("data:"):
        return value if tag == "img" and name == "src" and value.startswith("data:image/") else None
    if tag == "input" and name == "type":
        return value if value == "checkbox" else None
    return value


def clean_html(text: str) -> str:
    """HTML without scripts, event handlers, javascript: URLs, forms, frames or <style>."""
    return nh3.clean(
        text,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "data"},
        attribute_filter=_attribute,
        filter_style_properties=STYLE_PROPERTIES,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
    )


def clean_markdown(source: str) -> str:
    """A markdown cell as the cleaned HTML nbconvert would render it, on one line: a single
    HTML block, which markdown renderers pass through unchanged (`&#10;` keeps the line breaks
    of a <pre>)."""
    from nbconvert.filters import markdown2html

    return "<div>" + clean_html(markdown2html(source)).replace("\n", "&#10;") + "</div>"


def clean_output(output) -> bool:
    """Clean one output in place; True if it held something suspicious."""
    data = output.get("data")
    if not data:
        return False
    suspicious = False
    for mime in list(data):
        if mime in SCRIPT_MIMES:
            suspicious |= mime in ("application/javascript", "text/javascript")
            del data[mime]
        elif mime in ("text/html", "text/markdown"):
            text = _text(data[mime])
            suspicious |= bool(SUSPICIOUS.search(text))
            data[mime] = clean_html(text) if mime == "text/html" else clean_markdown(text)
    if not data:
        data["text/plain"] = DROPPED_NOTE
    return suspicious


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def sanitize_notebook(nb, trusted_markdown: set) -> list[int]:
    """Clean `nb` in place; markdown cells whose source is in `trusted_markdown` (the
    instructor's, unchanged) are kept as written. Returns the indices of the cells that held
    something suspicious."""
    nb.metadata.pop("widgets", None)  # widget state: rendered as a script by nbconvert
    suspicious = []
    for index, cell in enumerate(nb.cells):
        found = False
        if cell.cell_type == "markdown" and cell.source not in trusted_markdown:
            found = bool(SUSPICIOUS.search(cell.source))
            cell.source = clean_markdown(cell.source)
            cell.pop("attachments", None)  # attachment: images would bypass the cleaning
        for output in cell.get("outputs", []):
            found |= clean_output(output)
        if found:
            suspicious.append(index)
    return suspicious


class SanitizeOutputs(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        trusted: set = set()
        info = resources.get("nbgrader", {})
        try:
            path = source_notebook(self.config, info["assignment"], info["notebook"])
            source = nbformat.read(path, as_version=4)
            trusted = {c.source for c in source.cells if c.cell_type == "markdown"}
        except (KeyError, OSError, ValueError):
            pass  # no instructor notebook at hand: every markdown cell is cleaned
        found = sanitize_notebook(nb, trusted)
        if found:
            cells = ", ".join(str(i + 1) for i in found[:10])
            note(
                resources,
                f"scripts, event handlers or javascript: links in cells {cells} were removed "
                "from the graded notebook and its feedback; look at what the student tried",
                kind="unsafe_html",
            )
        return nb, resources


_HEAD = re.compile(r"<head[^>]*>(.*?)</head>", re.DOTALL | re.IGNORECASE)
_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL | re.IGNORECASE)
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL | re.IGNORECASE)


def sanitize_page(page: str) -> str:
    """The page rebuilt: the template's <style> blocks and title, then the cleaned body.

    Only the template writes the head (nbgrader's feedback template: title, CSS, MathJax's
    script tag); SanitizeOutputs drops the widget state, the one thing of the notebook nbconvert
    would put there. So the head's styles are kept verbatim and its scripts dropped.
    """
    head = _HEAD.search(page)
    head_text = head.group(1) if head else ""
    body = _BODY.search(page)
    body_text = body.group(1) if body else page
    title = _TITLE.search(head_text)
    title_text = html.escape(html.unescape(title.group(1).strip())) if title else ""
    styles = "\n".join(_STYLE.findall(head_text))
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8" />\n'
        f"<title>{title_text}</title>\n{styles}\n</head>\n<body>\n"
        f"{clean_html(body_text)}\n</body>\n</html>\n"
    )


class SanitizedHTMLExporter(HTMLExporter):
    """generate_feedback's exporter (nbgrader_config.py): nbconvert's page, then sanitize_page."""

    def from_notebook_node(self, nb, resources=None, **kw):
        output, resources = super().from_notebook_node(nb, resources, **kw)
        return sanitize_page(output), resources
